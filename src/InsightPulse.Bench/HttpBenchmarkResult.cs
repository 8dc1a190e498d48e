namespace InsightPulse.Bench;

/// <summary>
/// The figures of one <c>bench http</c> run: per path the median over rounds of requests/s, p50 and p99 (with the
/// rounds' min–max), every wrk run, and per round (median, min–max) the ratios tenant / shared, the baseline the goals
/// are judged on (<see cref="Throughput"/>, <see cref="P99"/>), and tenant / fixed, the old comparison
/// (<see cref="FixedThroughput"/>, <see cref="FixedP99"/>: one tenant's rows over and over, so it measures the working
/// set as much as tenancy).
/// </summary>
public sealed record HttpBenchmarkResult(
    DateTimeOffset StartedAt,
    int Processors,
    string ServerVersion,
    int Tenants,
    int Projects,
    int DurationSeconds,
    int WarmupSeconds,
    int Rounds,
    int Connections,
    int Threads,
    int ResponseBodyBytes,
    int DroppedBefore,
    HttpBenchmarkResult.PathFigures Tenant,
    HttpBenchmarkResult.PathFigures Shared,
    HttpBenchmarkResult.PathFigures Fixed,
    HttpBenchmarkResult.Ratio Throughput,
    HttpBenchmarkResult.Ratio P99,
    HttpBenchmarkResult.Ratio FixedThroughput,
    HttpBenchmarkResult.Ratio FixedP99,
    IReadOnlyList<HttpBenchmarkResult.RoundRun> Runs)
{
    /// <summary>Goal: the tenant path serves at least 90% of the shared path's requests per second.</summary>
    public const double ThroughputGoal = 0.90;

    /// <summary>Goal: the tenant path's p99 latency is at most 1.2 × the shared path's.</summary>
    public const double P99Goal = 1.2;

    public bool ThroughputGoalMet => Throughput.Median >= ThroughputGoal;
    public bool P99GoalMet => P99.Median <= P99Goal;

    /// <summary>A median over rounds and the rounds' min–max.</summary>
    public sealed record Spread(double Median, double Min, double Max)
    {
        public static Spread Of(IReadOnlyCollection<double> values)
        {
            ArgumentNullException.ThrowIfNull(values);
            var sorted = values.Order().ToArray();
            var middle = sorted.Length / 2;
            var median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
            return new Spread(median, sorted[0], sorted[^1]);
        }
    }

    /// <summary>One path over the timed rounds; <paramref name="HostP99Ms"/>: the p99 the web host measured itself (<see cref="HostLatency"/>).</summary>
    public sealed record PathFigures(string Path, Spread RequestsPerSecond, Spread P50Ms, Spread P90Ms, Spread P99Ms, Spread HostP99Ms, long Requests, double BytesPerResponse);

    /// <summary>Tenant / a baseline, computed per round (the runs of a round are back to back), median and min–max.</summary>
    public sealed record Ratio(Spread PerRound, double Goal)
    {
        public double Median => PerRound.Median;
    }

    /// <summary>One timed wrk run: which round, which path, in which position of its round; wrk's figures and the host's own p50 and p99.</summary>
    public sealed record RoundRun(int Round, int Position, string Path, double RequestsPerSecond, double P50Ms, double P90Ms, double P99Ms, double MaxMs, long Requests, double Seconds,
        double HostP50Ms, double HostP99Ms);
}
