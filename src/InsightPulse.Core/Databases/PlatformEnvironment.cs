using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Databases;

/// <summary>
/// The server the platform lives on and the logins it uses there. In managed mode the bootstrap login is the
/// cluster's superuser and the owner is <c>ipai_owner</c>; with POSTGRES_URL the URL's user is both (the seed's
/// service role), and the URL's database is the shared data database.
/// </summary>
public sealed record PlatformEnvironment(
    PlatformMode Mode,
    PostgresServer Server,
    PostgresLogin Bootstrap,
    PostgresLogin Owner,
    string PlatformDatabase,
    string DataDatabase,
    string Description)
{
    public const string OwnerSecret = "ipai_owner.password";

    public static string RoleSecret(string role) => role + ".password";

    public static PlatformEnvironment External(PostgresUrl url, PlatformOptions names)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(names);
        var login = new PostgresLogin(url.Username, url.Password);
        return new PlatformEnvironment(PlatformMode.External, new PostgresServer(url.Host, url.Port, url.SslMode, url.BehindTransactionPooler, url.ConnectionLimit),
            login, login, PlatformOptions.PlatformDatabase, url.Database,
            url.PoolerEvidence is null ? url.Redacted : $"{url.Redacted} (through a transaction-mode pooler: {url.PoolerEvidence})");
    }

    public static PlatformEnvironment Managed(ManagedCluster cluster, PlatformOptions names)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(names);
        var server = cluster.Server;
        var owner = new PostgresLogin(names.OwnerRole, cluster.Secrets.ReadRequired(OwnerSecret));
        return new PlatformEnvironment(PlatformMode.Managed, server, cluster.Superuser, owner,
            PlatformOptions.PlatformDatabase, names.DataDatabase, $"managed cluster at {server} ({cluster.Home})");
    }
}
