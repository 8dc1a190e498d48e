using InsightPulse.Core.Bi;

namespace InsightPulse.Core.Tests.Bi;

public sealed class ChartQueryTests
{
    private static readonly Dataset Lines = new(7, Guid.Empty, "tbwa", "ppm_expense_analysis", "schema", "ppm_expense_analysis",
    [
        new("project_code", "text"), new("period", "date"), new("report_state", "text"), new("atc_code", "text"),
        new("withholding_amount", "numeric(14,2)"), new("gross_amount", "numeric(14,2)"), new("line_id", "bigint"), new("tags", "text[]"),
    ]);

    private static ChartSpec Bar => new()
    {
        Viz = "bar",
        Groupby = ["atc_code"],
        Metrics = [new ChartMetric { Aggregate = "sum", Column = "withholding_amount", Label = "Withheld" }],
        Filters = [new ChartFilter { Column = "report_state", Op = "in", Values = ["approved", "paid"] }],
    };

    [Fact]
    public void A_grouped_chart_is_one_select_with_quoted_columns_constant_functions_and_bound_values()
    {
        var query = ChartQuery.Build("tbwa", Lines, Bar, [], null);

        Assert.Equal(
            "SELECT \"atc_code\" AS g0, sum(\"withholding_amount\") AS m0 FROM \"tbwa\".\"ppm_expense_analysis\" " +
            "WHERE (\"report_state\" IN (CAST(@p0 AS text), CAST(@p1 AS text))) GROUP BY 1 ORDER BY m0 DESC NULLS LAST LIMIT 100",
            query.Text);
        Assert.Equal(["atc_code", "Withheld"], query.Colnames);
        Assert.Equal([("p0", (object?)"approved"), ("p1", "paid")], query.Parameters.Values);
    }

    [Fact]
    public void A_time_series_truncates_to_its_grain_and_orders_by_time_then_series()
    {
        var spec = Bar with { TimeColumn = "period", TimeGrain = "month", Filters = [] };

        var query = ChartQuery.Build("tbwa", Lines, spec, [new ChartFilter { Column = "period", Op = ">=", Values = ["2026-01-01"] }], null);

        Assert.StartsWith("SELECT date_trunc('month', \"period\") AS __timestamp, \"atc_code\" AS g0, sum(\"withholding_amount\") AS m0", query.Text, StringComparison.Ordinal);
        Assert.Contains("WHERE (\"period\" >= CAST(@p0 AS date)) GROUP BY 1, 2 ORDER BY __timestamp ASC NULLS LAST, g0 LIMIT 100", query.Text, StringComparison.Ordinal);
        Assert.Equal(["period", "atc_code", "Withheld"], query.Colnames);
    }

    [Fact]
    public void Rls_conditions_share_the_statements_parameters()
    {
        var query = ChartQuery.Build("tbwa", Lines, Bar, [], p => [$"\"project_code\" = CAST({p.Bind("P1")} AS text)"]);

        Assert.EndsWith("AND (\"project_code\" = CAST(@p2 AS text)) GROUP BY 1 ORDER BY m0 DESC NULLS LAST LIMIT 100", query.Text, StringComparison.Ordinal);
        Assert.Equal("P1", query.Parameters.Values[2].Value);
    }

    [Fact]
    public void A_raw_table_lists_its_columns_and_a_big_number_has_no_group()
    {
        var table = ChartQuery.Build("tbwa", Lines, new ChartSpec { Viz = "table", Columns = ["project_code", "gross_amount"], OrderBy = "gross_amount", RowLimit = 5 }, [], null);
        var number = ChartQuery.Build("tbwa", Lines, new ChartSpec { Viz = "big_number", Metrics = [new ChartMetric { Aggregate = "count_distinct", Column = "project_code", Label = "Projects" }] }, [], null);

        Assert.Equal("SELECT \"project_code\" AS c0, \"gross_amount\" AS c1 FROM \"tbwa\".\"ppm_expense_analysis\" ORDER BY c1 DESC NULLS LAST LIMIT 5", table.Text);
        Assert.Equal("SELECT count(DISTINCT \"project_code\") AS m0 FROM \"tbwa\".\"ppm_expense_analysis\" ORDER BY m0 DESC NULLS LAST LIMIT 100", number.Text);
    }

    [Theory]
    [InlineData("groupby", "password_hash", "group-by 'password_hash' is not a column of the dataset.")]
    [InlineData("groupby", "atc_code\"; DROP TABLE x; --", "is not a column of the dataset")]
    [InlineData("groupby", "tags", "cannot group by 'tags' (text[])")]
    [InlineData("metric", "report_state", "sum needs a numeric column; 'report_state' is text.")]
    [InlineData("time", "project_code", "time column 'project_code' is text, not a date or timestamp.")]
    [InlineData("viz", "scatter", "viz 'scatter' is not one of")]
    [InlineData("aggregate", "stddev", "aggregate 'stddev' is not one of")]
    [InlineData("op", "LIKE", "filter operator 'LIKE' is not one of")]
    public void A_spec_that_does_not_fit_its_dataset_is_refused_before_any_sql(string part, string value, string expected)
    {
        var spec = part switch
        {
            "groupby" => Bar with { Groupby = [value] },
            "metric" => Bar with { Metrics = [new ChartMetric { Aggregate = "sum", Column = value, Label = "x" }] },
            "time" => Bar with { TimeColumn = value, TimeGrain = "month" },
            "viz" => Bar with { Viz = value },
            "aggregate" => Bar with { Metrics = [new ChartMetric { Aggregate = value, Column = "gross_amount", Label = "x" }] },
            _ => Bar with { Filters = [new ChartFilter { Column = "report_state", Op = value, Values = ["%"] }] },
        };

        var error = Assert.Throws<ChartSpecException>(() => ChartQuery.Build("tbwa", Lines, spec, [], null));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_column_type_that_is_not_a_plain_built_in_type_is_never_cast_to()
    {
        Assert.True(new DatasetColumn("a", "numeric(14,2)").IsCastTarget);
        Assert.True(new DatasetColumn("a", "timestamp with time zone").IsCastTarget);
        Assert.False(new DatasetColumn("a", "\"evil\"); DROP TABLE x; --").IsCastTarget);
        // A filter on a varchar(3) column casts to character varying: 'NCRX' stays 'NCRX' and matches no 'NCR' row.
        Assert.Equal("character varying", new DatasetColumn("a", "character varying(3)").CastType);
        Assert.Equal("numeric", new DatasetColumn("a", "numeric(14,2)").CastType);
    }

    [Fact]
    public void The_templates_this_build_carries_are_well_formed()
    {
        var templates = new DashboardTemplates().All;

        Assert.Contains(templates, t => t.Slug == "agency-finance" && t.Requires.Module == "ipai_finance_ppm");
        var scout = Assert.Single(templates, t => t.Slug == "scout-retail-intelligence");
        Assert.Equal(6, scout.Tabs.Count);
        Assert.Equal(300, scout.RefreshSeconds);
        Assert.Equal(12, scout.Datasets.Count);
        Assert.All(templates, t => Assert.Empty(DashboardTemplates.Problems(t)));
    }

    [Fact]
    public void A_template_referring_to_a_dataset_it_does_not_list_is_refused_with_its_file_name()
    {
        var json = """{"slug":"x","title":"X","requires":{"module":"m"},"datasets":[],"tabs":[{"key":"t","title":"T","charts":[{"key":"c","title":"C","dataset":"nope","spec":{"viz":"pie"}}]}]}""";

        var error = Assert.Throws<ChartSpecException>(() => DashboardTemplates.Parse("bi/templates/x.json", System.Text.Encoding.UTF8.GetBytes(json)));

        Assert.Contains("bi/templates/x.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("chart 'c' reads 'nope'", error.Message, StringComparison.Ordinal);
    }
}
