namespace InsightPulse.Core.Bi;

/// <summary>
/// One chart's result, as Superset's chart-data API returns it: column names (metric labels for metrics), their
/// generic types (<see cref="GenericType"/>), the rows, and whether it came from the cache and since when.
/// </summary>
public sealed record ChartData(
    IReadOnlyList<string> Colnames,
    IReadOnlyList<GenericType> Coltypes,
    IReadOnlyList<object?[]> Rows,
    bool IsCached,
    DateTimeOffset CachedAt)
{
    public ChartData AsCached() => this with { IsCached = true };
}

/// <summary>Superset's GenericDataType: how the client treats a column.</summary>
public enum GenericType
{
    Numeric = 0,
    Text = 1,
    Temporal = 2,
    Boolean = 3,
}
