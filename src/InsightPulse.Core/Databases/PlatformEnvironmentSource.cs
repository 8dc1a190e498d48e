using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;
using Microsoft.Extensions.Options;

namespace InsightPulse.Core.Databases;

/// <summary>
/// Decides where the platform lives: POSTGRES_URL when set, else the managed cluster under the local home.
/// Resolved on first use, so commands that create the cluster (<c>up</c>) can run before it exists.
/// </summary>
public sealed class PlatformEnvironmentSource(IOptions<PlatformOptions> names, ManagedCluster cluster, string? postgresUrl)
{
    private PlatformEnvironment? _current;

    public PlatformOptions Names => names.Value;
    public ManagedCluster Cluster => cluster;
    public PostgresUrl? Url { get; } = string.IsNullOrWhiteSpace(postgresUrl) ? null : PostgresUrl.Parse(postgresUrl);
    public PlatformMode Mode => Url is null ? PlatformMode.Managed : PlatformMode.External;

    public PlatformEnvironment Current => _current ??= Url is { } url
        ? PlatformEnvironment.External(url, Names)
        : PlatformEnvironment.Managed(cluster, Names);

    /// <summary>
    /// The role that owns what provisioning creates: the managed owner role, or with POSTGRES_URL the URL's user.
    /// </summary>
    public string OwnerRole => Mode == PlatformMode.Managed ? Names.OwnerRole : Current.Owner.Username;

    /// <summary>Forgets the resolved environment (after <c>up</c> created secrets or moved the port).</summary>
    public void Reset() => _current = null;
}
