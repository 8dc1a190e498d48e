using System.Text;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Bi;

/// <summary>
/// One chart's SELECT, built from a validated <see cref="ChartSpec"/>: identifiers are dataset columns quoted by
/// <see cref="Sql.Identifier"/>, functions and operators come from the vocabulary's constants, and every value is a
/// bound parameter cast to its column's type. Result columns get internal aliases (<c>__timestamp</c>, <c>g0</c>,
/// <c>m0</c>, <c>c0</c>); <see cref="Colnames"/> gives their names for the response (column names and metric
/// labels), so no label text reaches SQL.
/// </summary>
public sealed record ChartQuery(string Text, QueryParameters Parameters, IReadOnlyList<string> Colnames)
{
    public const string TimeAlias = "__timestamp";

    /// <summary>
    /// The statement over <paramref name="schema"/>.<paramref name="dataset"/>'s relation with the spec's filters and
    /// <paramref name="extraFilters"/> (the dashboard's native filter values, already checked to name this dataset's
    /// columns), and <paramref name="rls"/>: SQL conditions rendered by the RLS grammar with the same parameters.
    /// </summary>
    public static ChartQuery Build(string schema, Dataset dataset, ChartSpec spec, IReadOnlyList<ChartFilter> extraFilters, Func<QueryParameters, IEnumerable<string>>? rls)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(extraFilters);
        if (ChartSpecValidator.Problems(spec, dataset.Columns) is { Count: > 0 } problems)
        {
            throw new ChartSpecException(string.Join(" ", problems));
        }
        var parameters = new QueryParameters();
        var select = new List<string>();
        var colnames = new List<string>();
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal); // label or column → alias
        var groups = new List<int>();

        if (spec.Columns.Count > 0)
        {
            for (var i = 0; i < spec.Columns.Count; i++)
            {
                var alias = "c" + Number(i);
                select.Add($"{Sql.Identifier(spec.Columns[i])} AS {alias}");
                colnames.Add(spec.Columns[i]);
                aliases.TryAdd(spec.Columns[i], alias);
            }
        }
        else
        {
            if (spec.TimeColumn is not null)
            {
                // TimeGrain is one of the vocabulary's words (validated), so it is a constant here.
                select.Add($"date_trunc('{spec.TimeGrain}', {Sql.Identifier(spec.TimeColumn)}) AS {TimeAlias}");
                colnames.Add(spec.TimeColumn);
                aliases[spec.TimeColumn] = TimeAlias;
                groups.Add(select.Count);
            }
            for (var i = 0; i < spec.Groupby.Count; i++)
            {
                var alias = "g" + Number(i);
                select.Add($"{Sql.Identifier(spec.Groupby[i])} AS {alias}");
                colnames.Add(spec.Groupby[i]);
                aliases[spec.Groupby[i]] = alias;
                groups.Add(select.Count);
            }
            for (var i = 0; i < spec.Metrics.Count; i++)
            {
                var metric = spec.Metrics[i];
                var alias = "m" + Number(i);
                var argument = metric.Column is null ? "*" : (metric.Aggregate == "count_distinct" ? "DISTINCT " : "") + Sql.Identifier(metric.Column);
                select.Add($"{Aggregates.Sql[metric.Aggregate]}({argument}) AS {alias}");
                colnames.Add(metric.Label);
                aliases[metric.Label] = alias;
            }
        }

        var text = new StringBuilder("SELECT ").AppendJoin(", ", select)
            .Append(" FROM ").Append(Sql.Identifier(schema)).Append('.').Append(Sql.Identifier(dataset.Relation));
        var byName = dataset.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var conditions = spec.Filters.Concat(extraFilters).Select(f => Condition(f, byName[f.Column], parameters)).ToList();
        if (rls is not null) conditions.AddRange(rls(parameters));
        if (conditions.Count > 0) text.Append(" WHERE ").AppendJoin(" AND ", conditions.Select(c => "(" + c + ")"));
        if (groups.Count > 0) text.Append(" GROUP BY ").AppendJoin(", ", groups);

        var (order, descending) = spec.OrderBy is not null ? (aliases[spec.OrderBy], spec.OrderDesc)
            : spec.TimeColumn is not null ? (TimeAlias, false)
            : spec.Metrics.Count > 0 ? ("m0", true)
            : ("c0", false);
        text.Append(" ORDER BY ").Append(order).Append(descending ? " DESC NULLS LAST" : " ASC NULLS LAST");
        // A time series keeps a stable order within a time step: by its series too.
        if (order == TimeAlias && spec.Groupby.Count > 0) text.Append(", g0");
        text.Append(" LIMIT ").Append(Number(spec.RowLimit));
        return new ChartQuery(text.ToString(), parameters, colnames);
    }

    /// <summary>One filter as SQL: the quoted column, a constant operator, values bound and cast to the column's type.</summary>
    internal static string Condition(ChartFilter filter, DatasetColumn column, QueryParameters parameters)
    {
        var name = Sql.Identifier(column.Name);
        string Value(string? v) => $"CAST({parameters.Bind(v)} AS {column.CastType})";
        return filter.Op switch
        {
            "is_null" => $"{name} IS NULL",
            "is_not_null" => $"{name} IS NOT NULL",
            "in" => $"{name} IN ({string.Join(", ", filter.Values.Select(Value))})",
            "not_in" => $"{name} NOT IN ({string.Join(", ", filter.Values.Select(Value))})",
            _ => $"{name} {FilterOperators.Comparisons[filter.Op]} {Value(filter.Values[0])}",
        };
    }

    private static string Number(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
