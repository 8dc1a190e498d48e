namespace InsightPulse.Core.Bi;

/// <summary>
/// Checks a <see cref="ChartSpec"/> against its dataset's columns: every name must be a column the catalogue lists,
/// every word one of the vocabulary's (<see cref="VizTypes"/>, <see cref="Aggregates"/>, …). A spec that passes can
/// be turned into SQL by <see cref="ChartQuery"/> without any text of it reaching the statement but quoted,
/// validated identifiers.
/// </summary>
public static class ChartSpecValidator
{
    public const int MaxRowLimit = 10_000;

    /// <summary>What is wrong with <paramref name="spec"/>, one sentence each; empty when nothing is.</summary>
    public static IReadOnlyList<string> Problems(ChartSpec spec, IReadOnlyList<DatasetColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(columns);
        var byName = columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        DatasetColumn? Known(string? name, string role)
        {
            if (name is not null && byName.TryGetValue(name, out var column)) return column;
            problems.Add($"{role} '{Shown(name)}' is not a column of the dataset.");
            return null;
        }

        if (!VizTypes.All.Contains(spec.Viz)) problems.Add($"viz '{Shown(spec.Viz)}' is not one of {string.Join(", ", VizTypes.All)}.");
        if (!ValueFormats.All.Contains(spec.Format)) problems.Add($"format '{Shown(spec.Format)}' is not one of {string.Join(", ", ValueFormats.All)}.");
        if (spec.RowLimit is < 1 or > MaxRowLimit) problems.Add($"row_limit must be between 1 and {MaxRowLimit}.");

        var labels = new HashSet<string>(StringComparer.Ordinal);
        foreach (var metric in spec.Metrics)
        {
            if (!Aggregates.Sql.ContainsKey(metric.Aggregate)) problems.Add($"aggregate '{Shown(metric.Aggregate)}' is not one of {string.Join(", ", Aggregates.Sql.Keys)}.");
            if (metric.Column is null)
            {
                if (metric.Aggregate != "count") problems.Add($"aggregate '{Shown(metric.Aggregate)}' needs a column.");
            }
            else if (Known(metric.Column, "metric column") is { } column && Aggregates.Numeric.Contains(metric.Aggregate) && !column.IsNumeric)
            {
                problems.Add($"{metric.Aggregate} needs a numeric column; '{column.Name}' is {column.Type}.");
            }
            if (string.IsNullOrWhiteSpace(metric.Label) || metric.Label.Length > 100) problems.Add("every metric needs a label of 1 to 100 characters.");
            else if (!labels.Add(metric.Label)) problems.Add($"two metrics are labelled '{Shown(metric.Label)}'.");
        }
        foreach (var name in spec.Groupby)
        {
            if (Known(name, "group-by") is { IsScalar: false } column) problems.Add($"cannot group by '{column.Name}' ({column.Type}).");
            if (!labels.Add(name)) problems.Add($"'{Shown(name)}' is both a group-by and a label.");
        }
        foreach (var name in spec.Columns) Known(name, "column");
        if (spec.TimeColumn is not null)
        {
            if (Known(spec.TimeColumn, "time column") is { IsTemporal: false } column) problems.Add($"time column '{column.Name}' is {column.Type}, not a date or timestamp.");
            if (spec.TimeGrain is null || !TimeGrains.All.Contains(spec.TimeGrain)) problems.Add($"time_grain must be one of {string.Join(", ", TimeGrains.All)}.");
        }
        else if (spec.TimeGrain is not null)
        {
            problems.Add("time_grain needs a time_column.");
        }
        foreach (var filter in spec.Filters) problems.AddRange(FilterProblems(filter, byName));

        switch (spec.Viz)
        {
            case "table" when spec.Metrics.Count == 0 && spec.Columns.Count == 0:
                problems.Add("a table shows metrics or columns: give one of them.");
                break;
            case "table" when spec.Metrics.Count > 0 && spec.Columns.Count > 0:
                problems.Add("a table shows either metrics (grouped) or raw columns, not both.");
                break;
            case "big_number" when spec.Metrics.Count != 1 || spec.Groupby.Count > 0 || spec.TimeColumn is not null:
                problems.Add("a big number is one metric, without group-by or time column.");
                break;
            case "pie" when spec.Metrics.Count != 1 || spec.Groupby.Count != 1:
                problems.Add("a pie is one metric over one group-by.");
                break;
            case "bar" or "line" or "area" when spec.Metrics.Count == 0:
                problems.Add($"a {spec.Viz} chart needs at least one metric.");
                break;
            case "bar" or "line" or "area" when spec.Groupby.Count + (spec.TimeColumn is null ? 0 : 1) is 0 or > 2:
                problems.Add($"a {spec.Viz} chart has an x axis (a time column or a group-by) and at most one series group-by.");
                break;
        }
        if (spec.Viz != "table" && spec.Columns.Count > 0) problems.Add("raw columns are for table charts.");
        if (spec.OrderBy is not null && !labels.Contains(spec.OrderBy) && !spec.Columns.Contains(spec.OrderBy) && spec.OrderBy != spec.TimeColumn)
        {
            problems.Add($"order_by '{Shown(spec.OrderBy)}' is neither a metric label nor a column of the chart.");
        }
        return problems;
    }

    /// <summary>The dataset columns <paramref name="spec"/> names (metrics, group-bys, raw columns, time column, filters), each once, in that order.</summary>
    public static IReadOnlyList<string> ColumnNames(ChartSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Metrics.Select(m => m.Column).Concat(spec.Groupby).Concat(spec.Columns).Append(spec.TimeColumn).Concat(spec.Filters.Select(f => f.Column))
            .OfType<string>().Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>What is wrong with one filter (of a spec, or of a dashboard's native filter values).</summary>
    public static IEnumerable<string> FilterProblems(ChartFilter filter, IReadOnlyDictionary<string, DatasetColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentNullException.ThrowIfNull(columns);
        if (!columns.TryGetValue(filter.Column, out var column))
        {
            yield return $"filter column '{Shown(filter.Column)}' is not a column of the dataset.";
        }
        else if (!column.IsScalar)
        {
            yield return $"cannot filter on '{column.Name}' ({column.Type}).";
        }
        var expected = filter.Op switch
        {
            "is_null" or "is_not_null" => (0, 0),
            "in" or "not_in" => (1, 500),
            _ when FilterOperators.Comparisons.ContainsKey(filter.Op) => (1, 1),
            _ => (-1, -1),
        };
        if (expected.Item1 < 0)
        {
            yield return $"filter operator '{Shown(filter.Op)}' is not one of {string.Join(", ", FilterOperators.All)}.";
        }
        else if (filter.Values.Count < expected.Item1 || filter.Values.Count > expected.Item2)
        {
            yield return $"filter '{filter.Op}' on '{Shown(filter.Column)}' takes {(expected.Item1 == expected.Item2 ? expected.Item1.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{expected.Item1} to {expected.Item2}")} value(s).";
        }
        else if (filter.Values.Any(v => v is null))
        {
            yield return $"filter '{filter.Op}' on '{Shown(filter.Column)}' has a null value: use is_null.";
        }
        else if (filter.Values.Any(v => v!.Length > 1000))
        {
            yield return $"a value of the filter on '{Shown(filter.Column)}' is longer than 1000 characters.";
        }
        else if (filter.Values.Select(v => Postgres.TextRules.Problem(v!, allowLineBreaks: true)).FirstOrDefault(p => p is not null) is { } problem)
        {
            yield return $"a value of the filter on '{Shown(filter.Column)}' {problem}";
        }
    }

    private static string Shown(string? text) => Postgres.Sql.Printable(text);
}
