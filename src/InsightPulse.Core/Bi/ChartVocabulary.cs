namespace InsightPulse.Core.Bi;

/// <summary>The chart types the BI service draws (Superset's viz_type names where they exist).</summary>
public static class VizTypes
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { "bar", "line", "area", "pie", "table", "big_number" };
}

/// <summary>Time grains, each a <c>date_trunc</c> field.</summary>
public static class TimeGrains
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { "day", "week", "month", "quarter", "year" };
}

/// <summary>Aggregates of a metric and the SQL function each becomes (constants: never text from a spec).</summary>
public static class Aggregates
{
    public static readonly IReadOnlyDictionary<string, string> Sql = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["count"] = "count",
        ["count_distinct"] = "count",
        ["sum"] = "sum",
        ["avg"] = "avg",
        ["min"] = "min",
        ["max"] = "max",
    };

    /// <summary>Aggregates that need a numeric column.</summary>
    public static readonly IReadOnlySet<string> Numeric = new HashSet<string>(StringComparer.Ordinal) { "sum", "avg" };
}

/// <summary>Filter operators and their SQL (constants).</summary>
public static class FilterOperators
{
    public static readonly IReadOnlyDictionary<string, string> Comparisons = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["="] = "=", ["!="] = "<>", ["<"] = "<", ["<="] = "<=", [">"] = ">", [">="] = ">=",
    };

    public static readonly IReadOnlySet<string> All = new HashSet<string>(
        Comparisons.Keys.Concat(["in", "not_in", "is_null", "is_not_null"]), StringComparer.Ordinal);
}

/// <summary>Value formats of a chart.</summary>
public static class ValueFormats
{
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal) { "number", "integer", "currency", "percent" };
}
