namespace InsightPulse.Core.Finance;

/// <summary>The categories of an expense line (the CHECK of <c>ppm_expense_line.category</c>) with their labels.</summary>
public static class ExpenseCategories
{
    public static readonly IReadOnlyList<(string Code, string Label)> All =
    [
        ("travel", "Travel"),
        ("meals", "Meals"),
        ("supplies", "Supplies"),
        ("professional_fees", "Professional fees"),
        ("rent", "Rent"),
        ("media", "Media"),
        ("production", "Production"),
        ("other", "Other"),
    ];

    public static bool IsKnown(string? code) => All.Any(c => c.Code == code);

    public static string Label(string code) => All.FirstOrDefault(c => c.Code == code).Label ?? code;
}
