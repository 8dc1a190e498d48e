namespace InsightPulse.Core.Demo;

/// <summary>
/// The demo rows a load wrote or a remove deleted: finance rows of the tenant, its own Scout transactions, and the
/// transactions of the synthetic retail clients beside it (<see cref="RetailTenants"/>).
/// </summary>
public sealed record DemoCounts(
    int Agencies, int Projects, int ExpenseReports, int ExpenseLines, long ScoutTransactions, IReadOnlyList<string> RetailTenants, long RetailTransactions)
{
    public static readonly DemoCounts None = new(0, 0, 0, 0, 0, [], 0);

    public long Total => Agencies + Projects + ExpenseReports + ExpenseLines + ScoutTransactions + RetailTransactions;

    /// <summary>One line for an operator, e.g. "4 agencies, 12 projects, 190 expense reports with 950 lines; 30,000 Scout transactions".</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (Agencies + Projects + ExpenseReports + ExpenseLines > 0)
        {
            parts.Add($"{Agencies} agencies, {Projects} projects, {ExpenseReports} expense reports with {ExpenseLines:N0} lines");
        }
        if (ScoutTransactions > 0) parts.Add($"{ScoutTransactions:N0} Scout transactions");
        if (RetailTransactions > 0)
        {
            parts.Add($"{RetailTransactions:N0} of retail clients {RetailTenants[0]}{(RetailTenants.Count > 1 ? $" … {RetailTenants[^1]}" : "")}");
        }
        return parts.Count == 0 ? "no demo rows" : string.Join("; ", parts);
    }
}
