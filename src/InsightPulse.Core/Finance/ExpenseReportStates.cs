namespace InsightPulse.Core.Finance;

/// <summary>
/// An expense report's states and the moves between them: draft → submitted → approved → paid, submitted → rejected,
/// rejected → draft (to correct and submit again). Lines change only while the report is a draft.
/// </summary>
public static class ExpenseReportStates
{
    public const string Draft = "draft";
    public const string Submitted = "submitted";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Paid = "paid";

    public static readonly IReadOnlyList<string> All = [Draft, Submitted, Approved, Rejected, Paid];

    /// <summary>The states a report in <paramref name="state"/> may move to, in the order a form offers them.</summary>
    public static IReadOnlyList<string> Next(string state) => state switch
    {
        Draft => [Submitted],
        Submitted => [Approved, Rejected],
        Approved => [Paid],
        Rejected => [Draft],
        _ => [],
    };

    public static bool CanMove(string from, string to) => Next(from).Contains(to, StringComparer.Ordinal);

    /// <summary>Lines are added, changed and removed only on a draft.</summary>
    public static bool LinesEditable(string state) => state == Draft;

    /// <summary>A report can be deleted until it is submitted, or once rejected.</summary>
    public static bool Deletable(string state) => state is Draft or Rejected;

    /// <summary>The verb of the button that moves a report to <paramref name="state"/>.</summary>
    public static string Action(string state) => state switch
    {
        Submitted => "Submit",
        Approved => "Approve",
        Rejected => "Reject",
        Paid => "Mark paid",
        Draft => "Reopen as draft",
        _ => state,
    };
}
