using System.Collections.Concurrent;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Databases;

/// <summary>
/// Data sources (connection pools) of the platform's server, one per database and login (<see cref="Get"/>), and the
/// tenant-affine pools tenant data is reached through (<see cref="GetAffine"/>, each on a data source of its own),
/// created on first use and disposed with this object. The owner's pool on the platform database reaches the
/// tenant registry.
/// </summary>
public sealed class PlatformDatabases(PlatformEnvironmentSource environment, TimeProvider time) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<(string Database, string User), NpgsqlDataSource> _sources = new();
    private readonly ConcurrentDictionary<(string Database, string User), Lazy<TenantAffinePool>> _affinePools = new();

    public PlatformEnvironment Environment => environment.Current;

    /// <summary>The platform database (registry, journals) as the owner role.</summary>
    public NpgsqlDataSource Platform => Get(Environment.PlatformDatabase, Environment.Owner);

    /// <summary>The shared data database as the owner role.</summary>
    public NpgsqlDataSource Data => Get(Environment.DataDatabase, Environment.Owner);

    public NpgsqlDataSource Get(string database, PostgresLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return _sources.GetOrAdd((database, login.Username), _ => Build(Settings(database, login).ConnectionString));
    }

    /// <summary>
    /// The tenant-affine pool of one database and login (<see cref="TenantAffinePool"/>), on a pool of its own set up
    /// as <see cref="Get"/> sets one up: how tenant data is reached (<c>TenantDataAccess</c>).
    /// </summary>
    public TenantAffinePool GetAffine(string database, PostgresLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return _affinePools.GetOrAdd((database, login.Username), _ => new Lazy<TenantAffinePool>(() =>
            new TenantAffinePool(Build(Settings(database, login).ConnectionString), time))).Value;
    }

    /// <summary>
    /// A connection of its own to the platform database as the owner, outside every pool, for a session that lives as
    /// long as its holder (a <c>LISTEN</c>, a session advisory lock); TCP keepalives notice a peer that went away.
    /// </summary>
    public async Task<NpgsqlConnection> OpenSessionAsync(string applicationName, CancellationToken cancellationToken)
    {
        Environment.RequireSession($"A session of its own ({applicationName})");
        var builder = new NpgsqlConnectionStringBuilder(Environment.Server.ConnectionString(Environment.PlatformDatabase, Environment.Owner, applicationName))
        {
            Pooling = false,
            KeepAlive = 30,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A pool's settings: the runtime roles' pools carry the request path and go to <see cref="PlatformEnvironment.RequestServer"/>
    /// (Supabase's pooler, when POSTGRES_URL_NON_POOLING is given beside it); every other login's pool (the owner's
    /// DDL, migrations, provisioning, registry) goes to <see cref="PlatformEnvironment.Server"/>.
    /// </summary>
    private NpgsqlConnectionStringBuilder Settings(string database, PostgresLogin login)
    {
        var runtimeRole = environment.Names.RuntimeRoles().Contains(login.Username);
        var server = runtimeRole ? Environment.RequestServer : Environment.Server;
        var settings = new NpgsqlConnectionStringBuilder(server.ConnectionString(database, login));
        Configure(settings, server, runtimeRole);
        return settings;
    }

    /// <summary>
    /// A pool built as this class builds them: built-in types only (we use no custom ones), so no pg_type round trips
    /// when a pool opens its first connection; a tenant database's pool lives for one provisioning run, so that was
    /// paid every run.
    /// </summary>
    public static NpgsqlDataSource Build(string connectionString) =>
        new NpgsqlDataSourceBuilder(connectionString).ConfigureTypeLoading(types => types.EnableTypeLoading(false)).Build();

    /// <summary>
    /// How a pool on <paramref name="server"/> is set up: at most the server's connection limit, if it has one
    /// (<c>connection_limit</c> in POSTGRES_URL); behind a transaction-mode pooler, no reset on close (Npgsql's
    /// reset would run in a transaction of its own, on whichever server session the pooler picks; all we set is local
    /// to a transaction anyway) and no prepared statements (they would not outlive the transaction); otherwise the
    /// runtime roles' pools prepare statements (<see cref="PrepareStatements"/>).
    /// </summary>
    public static void Configure(NpgsqlConnectionStringBuilder settings, PostgresServer server, bool runtimeRole)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(server);
        if (server.ConnectionLimit is int limit) settings.MaxPoolSize = limit;
        if (server.BehindTransactionPooler) settings.NoResetOnClose = true;
        else if (runtimeRole) PrepareStatements(settings);
    }

    /// <summary>Statements prepared automatically per connection (least recently used ones closed past this many).</summary>
    public const int MaxPreparedStatements = 64;

    /// <summary>
    /// The runtime roles' pools prepare a statement on a connection once it has run there twice, and keep the
    /// <see cref="MaxPreparedStatements"/> most recently used: PostgreSQL then parses and plans it once per
    /// connection instead of on every request (on a page's read under RLS, most of the server's time). Only the
    /// runtime roles: the owner's pools run DDL and one-off scripts, which gain nothing from it. PostgreSQL plans a
    /// prepared statement again when the search path or a table it reads changes, so a cached plan never reads
    /// another tenant's schema; <c>TenantDataAccess.ReadAsync</c> names the schema in the statement so that each
    /// tenant of the shared database keeps its own. Cost: backend memory, about 140 KB per statement for the finance
    /// budget view (its query tree and plan), so at most about 9 MB per connection.
    /// </summary>
    private static void PrepareStatements(NpgsqlConnectionStringBuilder settings)
    {
        settings.MaxAutoPrepare = MaxPreparedStatements;
        settings.AutoPrepareMinUsages = 2;
    }

    /// <summary>Disposes the pools of one database and login (plain and tenant-affine: their idle connections close), e.g. before that database is renamed or dropped.</summary>
    public Task ForgetAsync(string database, PostgresLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return ForgetAsync(database, login.Username);
    }

    private async Task ForgetAsync(string database, string user)
    {
        if (_sources.TryRemove((database, user), out var source)) await source.DisposeAsync();
        if (_affinePools.TryRemove((database, user), out var affine) && affine.IsValueCreated) await affine.Value.DisposeAsync();
    }

    /// <summary>
    /// Disposes the owner's pool of a tenant's own database (never the platform or data database's). One pool per
    /// tenant database would add up to more connections than the server allows when a process provisions, migrates
    /// or lints many tenants, so work on a tenant database lets its pool go when it ends.
    /// </summary>
    public Task ForgetTenantDatabaseAsync(string database) =>
        database == Environment.PlatformDatabase || database == Environment.DataDatabase
            ? Task.CompletedTask
            : ForgetAsync(database, Environment.Owner);

    /// <summary>
    /// Disposes every pool of a tenant's own database, whatever its login (never the platform or data database's):
    /// a process that verifies hundreds of tenant databases as several roles lets each database's pools go when done.
    /// </summary>
    public async Task ForgetTenantDatabaseEverywhereAsync(string database)
    {
        if (database == Environment.PlatformDatabase || database == Environment.DataDatabase) return;
        foreach (var key in _sources.Keys.Concat(_affinePools.Keys).Where(k => k.Database == database).Distinct().ToList())
        {
            await ForgetAsync(key.Database, key.User);
        }
    }

    /// <summary>The server's version (<c>SHOW server_version</c>), e.g. for benchmark and archive records.</summary>
    public async Task<string> ServerVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Platform.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        return (string?)await command.ExecuteScalarAsync(cancellationToken) ?? "";
    }

    /// <summary>Drops every pool (e.g. after <c>up</c> moved the cluster to another port).</summary>
    public async Task ResetAsync()
    {
        foreach (var key in _sources.Keys.Concat(_affinePools.Keys).Distinct().ToList())
        {
            await ForgetAsync(key.Database, key.User);
        }
        environment.Reset();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var source in _sources.Values) await source.DisposeAsync();
        _sources.Clear();
        foreach (var affine in _affinePools.Values.Where(pool => pool.IsValueCreated)) await affine.Value.DisposeAsync();
        _affinePools.Clear();
    }
}
