namespace InsightPulse.Core.Bootstrap;

/// <summary>What <c>./ipai status</c> reports. Holds no secret: the target is shown redacted.</summary>
public sealed record PlatformStatus
{
    public required string Mode { get; init; }
    public required string Target { get; init; }
    /// <summary>Each database URL in use and what it carries (passwords as <c>***</c>).</summary>
    public IReadOnlyList<Databases.PlatformUrlUse> Urls { get; init; } = [];
    /// <summary><c>running</c>, <c>stopped</c>, <c>not_initialized</c> (managed), or <c>reachable</c>/<c>unreachable</c> (external).</summary>
    public required string Server { get; init; }
    public int? Port { get; init; }
    public string? ClusterDir { get; init; }
    public string? ServerVersion { get; init; }
    public IReadOnlyList<DatabaseStatus> Databases { get; init; } = [];
    public int? TenantCount { get; init; }
    public IReadOnlyDictionary<string, int> TenantsByState { get; init; } = new Dictionary<string, int>();
    /// <summary>Tenants per fleet server (<c>unplaced</c>: drafts not provisioned yet).</summary>
    public IReadOnlyDictionary<string, int> TenantsByServer { get; init; } = new Dictionary<string, int>();
    public string? Problem { get; init; }
}

/// <summary>One database the platform uses: its part (platform, data, tenant), whether it exists, and the fleet server it is on.</summary>
public sealed record DatabaseStatus(string Name, string Role, bool Exists)
{
    public string Server { get; init; } = Databases.FleetServer.Home;
}
