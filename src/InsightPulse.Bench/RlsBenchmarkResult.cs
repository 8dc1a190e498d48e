namespace InsightPulse.Bench;

/// <summary>
/// The figures of one <c>bench rls</c> run. Times are milliseconds of the query alone (tenant context set before the
/// clock starts), measured inside one process. Ratios are RLS / explicit filter, from the same run.
/// </summary>
public sealed record RlsBenchmarkResult(
    DateTimeOffset StartedAt,
    int Processors,
    string ServerVersion,
    long Rows,
    int Tenants,
    int Rounds,
    int Iterations,
    int Warmup,
    bool Seeded,
    IReadOnlyList<RlsBenchmarkResult.Query> Queries)
{
    /// <summary>Distribution of one path's samples over all rounds.</summary>
    public sealed record Path(double MedianMs, double P95Ms, double MinMs, double MaxMs, int Samples);

    /// <summary>One representative query: both paths, and the ratio of medians per round (median of rounds, min–max).</summary>
    public sealed record Query(
        string Name, string Description, Path Rls, Path Explicit,
        double MedianRatio, double P95Ratio, double RoundRatioMin, double RoundRatioMax);

    /// <summary>The goal: the RLS path costs at most 5% more than an explicit filter.</summary>
    public const double Goal = 1.05;
}
