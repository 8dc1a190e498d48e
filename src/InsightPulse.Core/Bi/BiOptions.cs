using System.ComponentModel.DataAnnotations;

namespace InsightPulse.Core.Bi;

/// <summary>The BI service's limits (configuration section <c>Bi</c>).</summary>
public sealed class BiOptions
{
    public const string Section = "Bi";

    /// <summary>Statement timeout of one chart query; a slower chart shows a timeout, and its connection is freed.</summary>
    [Range(1, 600)]
    public int ChartTimeoutSeconds { get; set; } = 30;

    /// <summary>Chart results kept in memory (each for its dashboard's refresh interval); the oldest go first.</summary>
    [Range(0, 1_000_000)]
    public int CachedResults { get; set; } = 10_000;

    /// <summary>
    /// <c>host[:port]</c> of this platform's PostgreSQL as an external Superset reaches it, for the connection the
    /// <c>bi_workspace</c> step makes there (default: the host and port this platform connects to).
    /// </summary>
    public string? ExternalDatabaseHost { get; set; }
}
