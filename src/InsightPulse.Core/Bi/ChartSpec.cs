using System.Text.Json.Serialization;

namespace InsightPulse.Core.Bi;

/// <summary>
/// What a chart shows, as data, never as SQL: metrics (an aggregate over a column), group-bys, an optional time
/// column with its grain, filters, order and row limit, all naming columns of the chart's dataset
/// (<see cref="ChartSpecValidator"/> checks them against its catalogue). <see cref="ChartQuery"/> turns it into one
/// parameterised SELECT. Stored as <c>ipai_bi_chart.spec</c> and written in templates, in snake_case JSON.
/// </summary>
public sealed record ChartSpec
{
    /// <summary>bar, line, area, pie, table or big_number (<see cref="VizTypes"/>).</summary>
    public string Viz { get; init; } = "";
    public IReadOnlyList<ChartMetric> Metrics { get; init; } = [];
    public IReadOnlyList<string> Groupby { get; init; } = [];

    /// <summary>A date or timestamp column the chart is drawn over (x axis), truncated to <see cref="TimeGrain"/>.</summary>
    public string? TimeColumn { get; init; }

    /// <summary>day, week, month, quarter or year (<see cref="TimeGrains"/>); required with <see cref="TimeColumn"/>.</summary>
    public string? TimeGrain { get; init; }

    /// <summary>Raw columns of a table chart without metrics (a list of rows).</summary>
    public IReadOnlyList<string> Columns { get; init; } = [];

    public IReadOnlyList<ChartFilter> Filters { get; init; } = [];

    /// <summary>The label of a metric, or a column, to order by; default: the first metric, descending (the time axis when there is one, ascending).</summary>
    public string? OrderBy { get; init; }
    public bool OrderDesc { get; init; } = true;
    public int RowLimit { get; init; } = 100;

    /// <summary>Bars stacked per group (bar, area); the second group-by is the series.</summary>
    public bool Stacked { get; init; }

    /// <summary>How values are shown: number, integer, currency (PHP), percent (a fraction, 0.25 = 25%).</summary>
    public string Format { get; init; } = "number";
}

/// <summary>One aggregate: <c>count</c> (of rows when no column), <c>count_distinct</c>, <c>sum</c>, <c>avg</c>, <c>min</c>, <c>max</c>.</summary>
public sealed record ChartMetric
{
    public string Aggregate { get; init; } = "";
    public string? Column { get; init; }

    /// <summary>The metric's name in the result (the column name in <c>colnames</c>).</summary>
    public string Label { get; init; } = "";
}

/// <summary>
/// A condition on one column: <c>op</c> one of <see cref="FilterOperators"/>; <c>values</c> its operands (one for a
/// comparison, several for <c>in</c>/<c>not_in</c>, none for <c>is_null</c>/<c>is_not_null</c>), bound as parameters.
/// </summary>
public sealed record ChartFilter
{
    public string Column { get; init; } = "";
    public string Op { get; init; } = "";

    [JsonConverter(typeof(FilterValuesConverter))]
    public IReadOnlyList<string?> Values { get; init; } = [];
}
