using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;
using Microsoft.Extensions.Options;

namespace InsightPulse.Core.Databases;

/// <summary>
/// Decides where the platform lives: POSTGRES_URL and/or POSTGRES_URL_NON_POOLING when set (the pooled and the
/// direct URL: <see cref="PlatformEnvironment.External(PostgresUrl?, PostgresUrl?, PlatformOptions)"/>), else the
/// managed cluster under the local home. Resolved on first use, so commands that create the cluster (<c>up</c>) can
/// run before it exists.
/// </summary>
public sealed class PlatformEnvironmentSource(IOptions<PlatformOptions> names, ManagedCluster cluster, string? postgresUrl, string? directUrl = null)
{
    private PlatformEnvironment? _current;

    public PlatformOptions Names => names.Value;
    public ManagedCluster Cluster => cluster;

    /// <summary>POSTGRES_URL: the pooled URL (or the only one).</summary>
    public PostgresUrl? Url { get; } = string.IsNullOrWhiteSpace(postgresUrl) ? null : PostgresUrl.Parse(postgresUrl, PlatformEnvironment.PooledUrlVariable);

    /// <summary>POSTGRES_URL_NON_POOLING: the direct URL, for everything that needs a session.</summary>
    public PostgresUrl? DirectUrl { get; } = string.IsNullOrWhiteSpace(directUrl) ? null : PostgresUrl.Parse(directUrl, PlatformEnvironment.DirectUrlVariable);

    public PlatformMode Mode => Url is null && DirectUrl is null ? PlatformMode.Managed : PlatformMode.External;

    public PlatformEnvironment Current => _current ??= Mode == PlatformMode.External
        ? PlatformEnvironment.External(Url, DirectUrl, Names)
        : PlatformEnvironment.Managed(cluster, Names);

    /// <summary>
    /// The role that owns what provisioning creates: the managed owner role, or with POSTGRES_URL the URL's user.
    /// </summary>
    public string OwnerRole => Mode == PlatformMode.Managed ? Names.OwnerRole : Current.Owner.Username;

    /// <summary>Forgets the resolved environment (after <c>up</c> created secrets or moved the port).</summary>
    public void Reset() => _current = null;
}
