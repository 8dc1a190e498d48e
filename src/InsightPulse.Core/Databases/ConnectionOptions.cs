using System.ComponentModel.DataAnnotations;

namespace InsightPulse.Core.Databases;

/// <summary>
/// How many server connections one process may hold for tenant requests (configuration section <c>Connections</c>,
/// e.g. <c>IPAI__Connections__Budget=60</c>). Per server and per process: with N web nodes a server sees up to N times
/// the budget, so keep N × budget under its <c>max_connections</c> (less the owner's and the operator's sessions).
/// </summary>
public sealed class ConnectionOptions
{
    public const string Section = "Connections";

    /// <summary>Runtime connections per server (unset: 40% of the server's <c>max_connections</c>, read once).</summary>
    [Range(2, 100_000)]
    public int? Budget { get; set; }

    /// <summary>Requests of one tenant holding a connection at once (unset: a quarter of the budget, at least 2).</summary>
    [Range(1, 100_000)]
    public int? TenantCap { get; set; }

    /// <summary>How long a request waits for a connection (or its tenant's turn) before a 503 with Retry-After.</summary>
    [Range(1, 600)]
    public int WaitSeconds { get; set; } = 15;

    /// <summary>The budget when none is configured: 40% of <paramref name="maxConnections"/>, at least 2.</summary>
    public static int DefaultBudget(int maxConnections) => Math.Max(2, maxConnections * 2 / 5);

    /// <summary>The per-tenant cap for a budget of <paramref name="budget"/> when none is configured.</summary>
    public int TenantCapFor(int budget) => TenantCap ?? Math.Max(2, budget / 4);
}
