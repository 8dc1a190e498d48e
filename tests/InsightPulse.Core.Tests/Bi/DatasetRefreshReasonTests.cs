using InsightPulse.Core.Bi;

namespace InsightPulse.Core.Tests.Bi;

public sealed class DatasetRefreshReasonTests
{
    private static readonly DatasetColumn[] Lines =
    [
        new("category", "text"), new("period", "date"), new("report_state", "text"), new("gross_amount", "numeric(14,2)"), new("net_amount", "numeric(14,2)"),
    ];

    private static readonly ChartSpec SpendPerMonth = new()
    {
        Viz = "line", TimeColumn = "period", TimeGrain = "month",
        Metrics = [new ChartMetric { Aggregate = "sum", Column = "gross_amount", Label = "Gross" }, new ChartMetric { Aggregate = "sum", Column = "net_amount", Label = "Net" }],
        Filters = [new ChartFilter { Column = "report_state", Op = "in", Values = ["approved", "paid"] }],
    };

    [Fact]
    public void A_chart_that_fits_its_columns_has_no_reason()
    {
        Assert.Null(DatasetRefresh.BrokenReason("ppm_expense_analysis", SpendPerMonth, Lines));
    }

    [Fact]
    public void The_reason_names_the_columns_that_are_gone_and_the_dataset()
    {
        Assert.Equal("Column 'gross_amount' is no longer in dataset ppm_expense_analysis.",
            DatasetRefresh.BrokenReason("ppm_expense_analysis", SpendPerMonth, [.. Lines.Where(c => c.Name != "gross_amount")]));
        Assert.Equal("Columns 'period', 'report_state' are no longer in dataset ppm_expense_analysis.",
            DatasetRefresh.BrokenReason("ppm_expense_analysis", SpendPerMonth, [.. Lines.Where(c => c.Name is not ("period" or "report_state"))]));
    }

    [Fact]
    public void A_column_still_there_but_of_another_type_gives_the_validators_words()
    {
        var retyped = Lines.Select(c => c.Name == "gross_amount" ? c with { Type = "text" } : c).ToList();

        Assert.Equal("Dataset ppm_expense_analysis changed: sum needs a numeric column; 'gross_amount' is text.",
            DatasetRefresh.BrokenReason("ppm_expense_analysis", SpendPerMonth, retyped));
    }

    [Fact]
    public void A_change_of_columns_lists_those_added_removed_and_retyped()
    {
        var after = new List<DatasetColumn> { new("category", "text"), new("period", "timestamp with time zone"), new("note", "text") };

        var change = DatasetColumnsChange.Between("ppm_expense_analysis", Lines, after);

        Assert.Equal(["note"], change.Added.Select(c => c.Name));
        Assert.Equal(["report_state", "gross_amount", "net_amount"], change.Removed.Select(c => c.Name));
        Assert.Equal([new DatasetColumn("period", "timestamp with time zone")], change.Retyped);
        Assert.Equal("ppm_expense_analysis +note -report_state -gross_amount -net_amount ~period timestamp with time zone", change.ToString());
    }

    [Fact]
    public void The_summary_of_a_refresh_that_changed_nothing_says_so_and_what_is_still_broken()
    {
        var chart = new ChartHealth("spend_by_month", "agency-finance", "ppm_expense_analysis", "Column 'gross_amount' is no longer in dataset ppm_expense_analysis.");

        Assert.Equal("tbwa: nothing changed", new DatasetRefreshResult("tbwa", [], [], [], [], []).Summary);
        Assert.Equal("tbwa: nothing changed; 1 chart(s) still broken", new DatasetRefreshResult("tbwa", [], [], [], [chart], []).ToString());
        Assert.Equal("tbwa: 0 dataset(s) changed, 1 chart(s) broken, 0 healed", new DatasetRefreshResult("tbwa", [], [chart], [], [], []).Summary);
        Assert.Equal("acme: nothing to refresh (the tenant is archived)", DatasetRefreshResult.Nothing("acme", "the tenant is archived").Summary);
    }
}
