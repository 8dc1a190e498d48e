using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Databases;

/// <summary>
/// The server the platform lives on and the logins it uses there. In managed mode the bootstrap login is the
/// cluster's superuser and the owner is <c>ipai_owner</c>; with POSTGRES_URL the URL's user is both (the seed's
/// service role), and the URL's database is the shared data database.
/// <para>
/// <see cref="Server"/> carries the owner's work: DDL, <c>CREATE DATABASE</c>, migrations, provisioning, session
/// advisory locks, <c>LISTEN</c>. <see cref="RequestServer"/> carries the request path: the pools of the runtime roles
/// (tenant reads and units of work, BI queries). With POSTGRES_URL_NON_POOLING beside a pooled POSTGRES_URL (Supabase's
/// pair), the first is the direct URL and the second the pooler; otherwise both are the one server.
/// </para>
/// <para>
/// The shared data database lives at home unless <see cref="DataServer"/> names another fleet server; then
/// <see cref="HomeDatabase"/> (the URL's database, or <c>postgres</c> in managed mode) is where catalogue work at home runs.
/// </para>
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

    /// <summary>The variable of the pooled URL, as the document (and Vercel's Supabase integration) names it.</summary>
    public const string PooledUrlVariable = "POSTGRES_URL";

    /// <summary>The variable of the direct URL (a session of its own: port 5432), as the document names it.</summary>
    public const string DirectUrlVariable = "POSTGRES_URL_NON_POOLING";

    public static string RoleSecret(string role) => role + ".password";

    /// <summary>The fleet server the shared data database (<see cref="DataDatabase"/>) lives on (<see cref="PlatformOptions.DataServer"/>).</summary>
    public string DataServer { get; init; } = FleetServer.Home;

    /// <summary>A database of the home server that always exists: the URL's database, or <c>postgres</c> in managed mode (where the owner runs <c>CREATE DATABASE</c> and catalogue queries at home).</summary>
    public string HomeDatabase { get; init; } = "postgres";

    /// <summary>Whether <paramref name="database"/> on <paramref name="server"/> is the shared data database.</summary>
    public bool IsData(string server, string database) => server == DataServer && database == DataDatabase;

    /// <summary>The data database as messages name it: its name, and its server when that is not home.</summary>
    public string DataDatabaseText => DataServer == FleetServer.Home ? DataDatabase : $"{DataDatabase} on server {DataServer}";

    /// <summary>The data database's name: the URL's database at home (external mode), the configured one (or its default) on a data server of its own.</summary>
    private static string DataDatabaseOf(PlatformOptions names, string urlDatabase) =>
        names.DataServer == FleetServer.Home ? urlDatabase : names.DataDatabaseOr(urlDatabase);

    /// <summary>Where the runtime roles' pools go (the request path); <see cref="Server"/> unless a pooler was given beside a direct URL.</summary>
    public PostgresServer RequestServer { get; init; } = Server;

    /// <summary>
    /// Whether <see cref="Server"/> keeps a session from one transaction to the next: false when the only URL is a
    /// transaction-mode pooler's, and then session advisory locks, <c>LISTEN</c> and <c>CREATE DATABASE … TEMPLATE</c>
    /// are refused (<see cref="SessionRequiredException"/>).
    /// </summary>
    public bool HasSession => !Server.BehindTransactionPooler;

    /// <summary>Each URL the platform uses and what it carries (redacted), for <c>./ipai status</c>.</summary>
    public IReadOnlyList<PlatformUrlUse> Urls { get; init; } = [];

    public static PlatformEnvironment External(PostgresUrl url, PlatformOptions names) => External(url, null, names);

    /// <summary>
    /// The platform on the server(s) of POSTGRES_URL (<paramref name="pooled"/>) and POSTGRES_URL_NON_POOLING
    /// (<paramref name="direct"/>); either may be missing, not both.
    /// </summary>
    public static PlatformEnvironment External(PostgresUrl? pooled, PostgresUrl? direct, PlatformOptions names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (pooled is null && direct is null) throw new ArgumentException("POSTGRES_URL or POSTGRES_URL_NON_POOLING is required.");
        if (direct is not null && direct.PoolerEvidence is { } evidence)
        {
            throw new FormatException($"{DirectUrlVariable} says it goes through a transaction-mode pooler ({evidence}), but it must reach PostgreSQL " +
                $"directly (Supabase: the URL on port 5432 without `supa=`), for the sessions that locks, LISTEN and CREATE DATABASE need. " +
                $"Put the pooler's URL in {PooledUrlVariable}; add pgbouncer=false if port {PostgresUrl.TransactionPoolerPort} is not a pooler here.");
        }
        var session = direct ?? pooled!;
        var login = new PostgresLogin(session.Username, session.Password);
        var server = Of(session);
        if (pooled is null || direct is null)
        {
            var onlyName = direct is null ? PooledUrlVariable : DirectUrlVariable;
            var serves = session.BehindTransactionPooler
                ? $"everything that works without a session: requests, BI queries, registry reads and writes (through a transaction-mode pooler: {session.PoolerEvidence}); " +
                  $"provisioning, migrations and `up` need {DirectUrlVariable}"
                : "everything: DDL, provisioning, migrations, locks, LISTEN and requests";
            return new PlatformEnvironment(PlatformMode.External, server, login, login, PlatformOptions.PlatformDatabase, DataDatabaseOf(names, session.Database),
                session.PoolerEvidence is null ? session.Redacted : $"{session.Redacted} (through a transaction-mode pooler: {session.PoolerEvidence})")
            {
                DataServer = names.DataServer,
                HomeDatabase = session.Database,
                Urls = [new PlatformUrlUse(onlyName, session.Redacted, serves)],
            };
        }
        if (!string.Equals(pooled.Database, direct.Database, StringComparison.Ordinal))
        {
            throw new FormatException($"{PooledUrlVariable} names database {Sql.Printable(pooled.Database)} and {DirectUrlVariable} names " +
                $"{Sql.Printable(direct.Database)}: both must reach the same database (the shared data database).");
        }
        var request = Of(pooled) with { LoginSuffix = LoginSuffix(pooled.Username, direct.Username) };
        var pooledServes = pooled.BehindTransactionPooler
            ? $"the request path: the runtime roles' tenant reads, units of work and BI queries (through a transaction-mode pooler: {pooled.PoolerEvidence})"
            : "the request path: the runtime roles' tenant reads, units of work and BI queries";
        return new PlatformEnvironment(PlatformMode.External, server, login, login, PlatformOptions.PlatformDatabase, DataDatabaseOf(names, direct.Database),
            $"{direct.Redacted} (direct), requests through {pooled.Redacted}")
        {
            DataServer = names.DataServer,
            HomeDatabase = direct.Database,
            RequestServer = request,
            Urls =
            [
                new PlatformUrlUse(DirectUrlVariable, direct.Redacted, "the owner's work: DDL, CREATE DATABASE, migrations, provisioning, advisory locks, LISTEN, registry"),
                new PlatformUrlUse(PooledUrlVariable, pooled.Redacted, pooledServes),
            ],
        };
    }

    private static PostgresServer Of(PostgresUrl url) => new(url.Host, url.Port, url.SslMode, url.BehindTransactionPooler, url.ConnectionLimit);

    /// <summary>
    /// What the pooler's login adds to a role's name: nothing when both URLs log in as the same user, <c>.ref</c> when
    /// the pooled user is <c>role.ref</c> (Supabase's pooler: <c>postgres.&lt;project-ref&gt;</c> is role postgres of that project).
    /// </summary>
    private static string LoginSuffix(string pooledUser, string directUser)
    {
        if (string.Equals(pooledUser, directUser, StringComparison.Ordinal)) return "";
        if (pooledUser.StartsWith(directUser + ".", StringComparison.Ordinal) && pooledUser.Length > directUser.Length + 1)
        {
            return pooledUser[directUser.Length..];
        }
        throw new FormatException($"{PooledUrlVariable} logs in as {Sql.Printable(pooledUser)} and {DirectUrlVariable} as {Sql.Printable(directUser)}: " +
            $"the pooled user must be the same role, or the role followed by `.<project-ref>` as Supabase's pooler writes it.");
    }

    public static PlatformEnvironment Managed(ManagedCluster cluster, PlatformOptions names)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(names);
        var server = cluster.Server;
        var owner = new PostgresLogin(names.OwnerRole, cluster.Secrets.ReadRequired(OwnerSecret));
        var description = $"managed cluster at {server} ({cluster.Home})";
        return new PlatformEnvironment(PlatformMode.Managed, server, cluster.Superuser, owner,
            PlatformOptions.PlatformDatabase, names.DataDatabaseOr("postgres"), description)
        {
            DataServer = names.DataServer,
            Urls = [new PlatformUrlUse("managed cluster", $"postgres://{owner.Username}:***@{server}/{PlatformOptions.PlatformDatabase}", "everything")],
        };
    }

    /// <summary>
    /// Refuses work that needs a PostgreSQL session (session advisory locks, <c>LISTEN</c>, <c>CREATE DATABASE … TEMPLATE</c>)
    /// when the only URL is a transaction-mode pooler's: up front, instead of a lock silently lost between transactions
    /// or a template the pooler keeps open.
    /// </summary>
    public void RequireSession(string work)
    {
        if (HasSession) return;
        throw new SessionRequiredException(
            $"{work} needs a PostgreSQL session of its own (session advisory locks, LISTEN, CREATE DATABASE from a template), " +
            $"and {PooledUrlVariable} goes through a transaction-mode pooler ({Server}), which hands each transaction to any server " +
            $"session. Set {DirectUrlVariable} to the direct URL (Supabase: port 5432, Settings → Database → Connection string, " +
            $"\"Direct connection\") and run it again; {PooledUrlVariable} keeps serving requests.");
    }
}
