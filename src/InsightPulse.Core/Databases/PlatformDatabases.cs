using System.Collections.Concurrent;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Databases;

/// <summary>
/// Data sources (connection pools) of the fleet's servers, one per server, database and login (<see cref="Get(string, string, PostgresLogin)"/>),
/// and the tenant-affine pools tenant data is reached through (<see cref="GetAffine(string, string, PostgresLogin)"/>,
/// each on a data source of its own), created on first use and disposed with this object. The owner's pool on the
/// platform database reaches the tenant registry. A server is named as in <c>ipai_server</c>; the overloads without a
/// server name mean the home server (<see cref="FleetServer.Home"/>).
/// </summary>
public sealed class PlatformDatabases(PlatformEnvironmentSource environment, TimeProvider time, Microsoft.Extensions.Options.IOptions<ConnectionOptions> connections) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ConnectionBudget?>> _budgets = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Server, string Database, string User), NpgsqlDataSource> _sources = new();
    private readonly ConcurrentDictionary<(string Server, string Database, string User), Lazy<TenantAffinePool>> _affinePools = new();
    private volatile Dictionary<string, FleetServer>? _servers;
    private readonly Lock _serversLoad = new();

    public PlatformEnvironment Environment => environment.Current;

    /// <summary>The platform database (registry, journals) as the owner role.</summary>
    public NpgsqlDataSource Platform => Get(Environment.PlatformDatabase, Environment.Owner);

    /// <summary>The shared data database as the owner role, on its server (<see cref="PlatformEnvironment.DataServer"/>).</summary>
    public NpgsqlDataSource Data => GetAsOwner(Environment.DataServer, Environment.DataDatabase);

    /// <summary>A pool of the home server (the platform's own).</summary>
    public NpgsqlDataSource Get(string database, PostgresLogin login) => Get(FleetServer.Home, database, login);

    /// <summary>The pool of <paramref name="database"/> on fleet server <paramref name="server"/> as <paramref name="login"/>.</summary>
    public NpgsqlDataSource Get(string server, string database, PostgresLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return _sources.GetOrAdd((server, database, login.Username), key => Build(Settings(key.Server, database, login).ConnectionString));
    }

    /// <summary>The owner's pool of <paramref name="database"/> on <paramref name="server"/> (the owner there: <see cref="OwnerOn"/>).</summary>
    public NpgsqlDataSource GetAsOwner(string server, string database) => Get(server, database, OwnerOn(server));

    /// <summary>
    /// The owner's pool of the database where <c>CREATE DATABASE</c> and catalogue queries run on <paramref name="server"/>:
    /// the URL's database (or <c>postgres</c>) at home, which is the shared data database unless that lives elsewhere;
    /// the server's maintenance database on an added server.
    /// </summary>
    public NpgsqlDataSource Maintenance(string server) =>
        server == FleetServer.Home ? Get(Environment.HomeDatabase, Environment.Owner) : GetAsOwner(server, ServerNamed(server).MaintenanceDatabase);

    /// <summary>The databases of fleet server <paramref name="server"/> (<c>pg_database</c>, read in its maintenance database).</summary>
    public async Task<HashSet<string>> DatabaseNamesAsync(string server, CancellationToken cancellationToken)
    {
        await using var connection = await Maintenance(server).OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT datname FROM pg_database", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken)) names.Add(reader.GetString(0));
        return names;
    }

    /// <summary>Where fleet server <paramref name="server"/> listens: the platform's own server at home, the address <c>server add</c> recorded elsewhere.</summary>
    public PostgresServer AddressOf(string server) => server == FleetServer.Home ? Environment.Server : ServerNamed(server).Address!;

    /// <summary>
    /// The login that owns what the platform creates on <paramref name="server"/>: the platform's owner at home; on an
    /// added server the owner role (<see cref="PlatformOptions.OwnerRole"/>) that <c>server add</c> created there, with
    /// the secret <see cref="PlatformEnvironment.OwnerSecret"/>.
    /// </summary>
    public PostgresLogin OwnerOn(string server) => server == FleetServer.Home
        ? Environment.Owner
        : new PostgresLogin(environment.Names.OwnerRole, environment.Cluster.Secrets.ReadRequired(PlatformEnvironment.OwnerSecret));

    /// <summary>The owner role's name on <paramref name="server"/> (what <c>CREATE DATABASE … OWNER</c> names).</summary>
    public string OwnerRoleOn(string server) => server == FleetServer.Home ? environment.OwnerRole : environment.Names.OwnerRole;

    /// <summary>The tenant-affine pool of one database and login on the home server.</summary>
    public TenantAffinePool GetAffine(string database, PostgresLogin login) => GetAffine(FleetServer.Home, database, login);

    /// <summary>
    /// The tenant-affine pool of one database and login (<see cref="TenantAffinePool"/>), on a pool of its own set up
    /// as <see cref="Get(string, string, PostgresLogin)"/> sets one up: how tenant data is reached (<c>TenantDataAccess</c>).
    /// </summary>
    public TenantAffinePool GetAffine(string server, string database, PostgresLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return _affinePools.GetOrAdd((server, database, login.Username), key => new Lazy<TenantAffinePool>(() => NewAffine(key.Server, database, login))).Value;
    }

    /// <summary>
    /// A tenant-affine pool under its server's budget (<see cref="BudgetOf"/>): a tenant database's pools do not pool
    /// underneath (each connection holds a slot until it closes); the shared data database's pool, whose sessions move
    /// between tenants through Npgsql's pool, reserves its size in the budget. No budget behind a transaction pooler
    /// (it bounds the server's sessions itself) or for the owner's pools.
    /// </summary>
    private TenantAffinePool NewAffine(string server, string database, PostgresLogin login)
    {
        var settings = Settings(server, database, login);
        var budget = environment.Names.RuntimeRoles().Contains(login.Username) ? BudgetOf(server) : null;
        if (budget is null) return new TenantAffinePool(Build(settings.ConnectionString), time);
        var cap = connections.Value.TenantCapFor(budget.Capacity);
        if (Environment.IsData(server, database))
        {
            settings.MaxPoolSize = Math.Max(1, budget.Reserve(Math.Min(settings.MaxPoolSize, budget.Capacity / 2)));
            return new TenantAffinePool(Build(settings.ConnectionString), time, null, cap);
        }
        settings.Pooling = false;
        return new TenantAffinePool(Build(settings.ConnectionString), time, budget, cap);
    }

    /// <summary>
    /// The connection budget of fleet server <paramref name="server"/> in this process (<see cref="ConnectionOptions"/>),
    /// made on first use (reading the server's <c>max_connections</c> once when no budget is configured); null behind a
    /// transaction-mode pooler.
    /// </summary>
    public ConnectionBudget? BudgetOf(string server) => _budgets.GetOrAdd(server, name => new Lazy<ConnectionBudget?>(() =>
    {
        var address = name == FleetServer.Home ? Environment.RequestServer : ServerNamed(name).Address!;
        if (address.BehindTransactionPooler) return null;
        var options = connections.Value;
        var capacity = options.Budget ?? ConnectionOptions.DefaultBudget(MaxConnections(name));
        return new ConnectionBudget(name, capacity, TimeSpan.FromSeconds(options.WaitSeconds));
    })).Value;

    /// <summary>The budgets made so far, for <c>/readyz</c> and the benchmarks.</summary>
    public IReadOnlyList<ConnectionBudgetStats> BudgetStats =>
        [.. _budgets.Values.Where(b => b.IsValueCreated && b.Value is not null).Select(b => b.Value!.Stats).OrderBy(s => s.Server != FleetServer.Home).ThenBy(s => s.Server, StringComparer.Ordinal)];

    private int MaxConnections(string server)
    {
        using var connection = Maintenance(server).OpenConnection();
        using var command = new NpgsqlCommand("SELECT current_setting('max_connections')::int", connection);
        return (int)command.ExecuteScalar()!;
    }

    /// <summary>
    /// The fleet server <paramref name="name"/> as <c>ipai_server</c> lists it. The list is read once and again only
    /// when a name is missing from it (a server added since), so that finding a tenant's server costs nothing on the
    /// request path; servers are never renamed or readdressed in place.
    /// </summary>
    public FleetServer ServerNamed(string name)
    {
        if (_servers is { } known && known.TryGetValue(name, out var server)) return server;
        lock (_serversLoad)
        {
            if (_servers is { } again && again.TryGetValue(name, out server)) return server;
            _servers = LoadServers();
            return _servers.TryGetValue(name, out server) ? server : throw UnknownServerException.Of(name);
        }
    }

    /// <summary>Forgets the list of servers (after <c>server add</c> or <c>drain</c> in this process).</summary>
    public void ForgetServers() => _servers = null;

    private Dictionary<string, FleetServer> LoadServers()
    {
        using var connection = Platform.OpenConnection();
        using var command = new NpgsqlCommand(FleetServerColumns.Select, connection);
        try
        {
            using var reader = command.ExecuteReader();
            var servers = new Dictionary<string, FleetServer>(StringComparer.Ordinal);
            while (reader.Read())
            {
                var server = FleetServerColumns.Read(reader);
                servers[server.Name] = server;
            }
            return servers;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // A platform database from before the fleet's servers: everything is at home.
            return new Dictionary<string, FleetServer>(StringComparer.Ordinal) { [FleetServer.Home] = FleetServerColumns.HomeOnly };
        }
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
    private NpgsqlConnectionStringBuilder Settings(string serverName, string database, PostgresLogin login)
    {
        var runtimeRole = environment.Names.RuntimeRoles().Contains(login.Username);
        var server = serverName == FleetServer.Home
            ? runtimeRole ? Environment.RequestServer : Environment.Server
            : ServerNamed(serverName).Address!;
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
    public Task ForgetAsync(string database, PostgresLogin login) => ForgetAsync(FleetServer.Home, database, login);

    /// <summary>Disposes the pools of one database and login on <paramref name="server"/>.</summary>
    public Task ForgetAsync(string server, string database, PostgresLogin login)
    {
        ArgumentNullException.ThrowIfNull(login);
        return ForgetAsync((server, database, login.Username));
    }

    private async Task ForgetAsync((string Server, string Database, string User) key)
    {
        if (_sources.TryRemove(key, out var source)) await source.DisposeAsync();
        if (_affinePools.TryRemove(key, out var affine) && affine.IsValueCreated) await affine.Value.DisposeAsync();
    }

    private bool IsPlatformOrData(string server, string database) =>
        (server == FleetServer.Home && database == Environment.PlatformDatabase) || Environment.IsData(server, database);

    /// <summary>
    /// Disposes the owner's pool of a tenant's own database (never the platform or data database's). One pool per
    /// tenant database would add up to more connections than the server allows when a process provisions, migrates
    /// or lints many tenants, so work on a tenant database lets its pool go when it ends.
    /// </summary>
    public Task ForgetTenantDatabaseAsync(string server, string database) =>
        IsPlatformOrData(server, database) ? Task.CompletedTask : ForgetAsync(server, database, OwnerOn(server));

    /// <summary>
    /// Disposes every pool of a tenant's own database, whatever its login (never the platform or data database's):
    /// a process that verifies hundreds of tenant databases as several roles lets each database's pools go when done.
    /// </summary>
    public async Task ForgetTenantDatabaseEverywhereAsync(string server, string database)
    {
        if (IsPlatformOrData(server, database)) return;
        foreach (var key in _sources.Keys.Concat(_affinePools.Keys).Where(k => k.Server == server && k.Database == database).Distinct().ToList())
        {
            await ForgetAsync(key);
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
            await ForgetAsync(key);
        }
        _servers = null;
        _budgets.Clear();
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
