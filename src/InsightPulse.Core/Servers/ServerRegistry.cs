using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Servers;

/// <summary>
/// The fleet's PostgreSQL servers (<c>ipai_server</c>): <c>server add|list|drain|activate</c>, and the load that
/// placement reads. Adding a server makes the platform's roles there through an admin URL that is used once and
/// never kept: afterwards the platform logs in to it as its own roles, with the secrets it already has.
/// </summary>
public sealed class ServerRegistry(PlatformDatabases databases, PlatformEnvironmentSource source)
{
    public async Task<IReadOnlyList<FleetServer>> ListServersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(FleetServerColumns.Select, cancellationToken: cancellationToken));
        var servers = new List<FleetServer>();
        while (await reader.ReadAsync(cancellationToken)) servers.Add(FleetServerColumns.Read(reader));
        return servers;
    }

    public async Task<FleetServer> GetAsync(string name, CancellationToken cancellationToken) =>
        (await ListServersAsync(cancellationToken)).FirstOrDefault(s => s.Name == name) ?? throw UnknownServerException.Of(name);

    /// <summary>
    /// Every server with the tenants placed on it (archived ones excluded) and the size of their databases: one
    /// registry query, and one catalogue query per server. A server that does not answer is listed with its error.
    /// </summary>
    public async Task<IReadOnlyList<ServerLoad>> ListAsync(CancellationToken cancellationToken) =>
        await LoadsAsync(await ListServersAsync(cancellationToken), cancellationToken);

    /// <summary>Every server and the tenants placed on it (archived ones excluded), without sizes: one registry query.</summary>
    public async Task<IReadOnlyList<ServerLoad>> TenantCountsAsync(CancellationToken cancellationToken)
    {
        var servers = await ListServersAsync(cancellationToken);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var counts = (await connection.QueryAsync<(string Server, int Tenants)>(new CommandDefinition($"""
            SELECT coalesce(server, 'home'), count(*)::int FROM ipai_tenant WHERE {Placed} GROUP BY 1
            """, cancellationToken: cancellationToken))).ToDictionary(c => c.Server, c => c.Tenants, StringComparer.Ordinal);
        return [.. servers.Select(s => new ServerLoad(s, counts.GetValueOrDefault(s.Name), null))];
    }

    /// <summary>The tenants a server holds: not archived, and placed (a draft without a server is nowhere yet).</summary>
    private const string Placed = "state <> 'archived' AND (server IS NOT NULL OR state <> 'draft')";

    /// <summary><paramref name="servers"/> with their tenants and the size of their databases (one catalogue query per server).</summary>
    public async Task<IReadOnlyList<ServerLoad>> LoadsAsync(IReadOnlyList<FleetServer> servers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(servers);
        List<(string Server, string DbName)> placed;
        await using (var connection = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            placed = (await connection.QueryAsync<(string, string)>(new CommandDefinition(
                $"SELECT coalesce(server, 'home'), db_name FROM ipai_tenant WHERE {Placed}", cancellationToken: cancellationToken))).ToList();
        }
        var loads = new List<ServerLoad>();
        foreach (var server in servers)
        {
            var names = placed.Where(p => p.Server == server.Name).Select(p => p.DbName).ToList();
            try
            {
                await using var connection = await databases.Maintenance(server.Name).OpenConnectionAsync(cancellationToken);
                var bytes = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                    "SELECT coalesce(sum(pg_database_size(datname)), 0)::bigint FROM pg_database WHERE datname = ANY (@names)",
                    new { names = names.Distinct(StringComparer.Ordinal).ToArray() }, cancellationToken: cancellationToken));
                loads.Add(new ServerLoad(server, names.Count, bytes));
            }
            catch (Exception e) when (!server.IsHome && e is NpgsqlException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                loads.Add(new ServerLoad(server, names.Count, null, PostgresErrors.Describe(e)));
            }
        }
        return loads;
    }

    /// <summary>
    /// Adds server <paramref name="name"/> at <paramref name="admin"/>'s address: makes the platform's roles there
    /// (owner, runtime, BI, operator) through <paramref name="admin"/>'s login, then records the server. Running it again
    /// with the same address completes what a failed run left; another address under the same name is refused.
    /// Returns what it did.
    /// </summary>
    public async Task<IReadOnlyList<string>> AddAsync(string name, PostgresUrl admin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        if (!FleetServer.NamePattern().IsMatch(name ?? ""))
        {
            throw new ServerException($"'{Sql.Printable(name ?? "")}' is not a server name: lower-case letters, digits and '_', starting with a letter, at most 31 characters.");
        }
        if (name == FleetServer.Home) throw new ServerException("'home' is the platform's own server (POSTGRES_URL or the managed cluster): it is always in the fleet.");
        if (admin.BehindTransactionPooler)
        {
            throw new ServerException($"{admin.Redacted} goes through a transaction-mode pooler ({admin.PoolerEvidence}): give the server's direct URL " +
                "(provisioning creates databases and takes session locks there); add pgbouncer=false if that port is not a pooler.");
        }
        databases.Environment.RequireSession("`./ipai server add`");
        var existing = (await ListServersAsync(cancellationToken)).FirstOrDefault(s => s.Name == name);
        if (existing is not null && (existing.Host != admin.Host || existing.Port != admin.Port))
        {
            throw new ServerException($"Server '{name}' is in the fleet already, at {existing.Host}:{existing.Port}: choose another name for {admin.Host}:{admin.Port}.");
        }
        var acted = new List<string>();
        var address = new PostgresServer(admin.Host, admin.Port, admin.SslMode);
        await using (var connection = new NpgsqlConnection(address.ConnectionString(admin.Database, new PostgresLogin(admin.Username, admin.Password), "ipai server add")))
        {
            try
            {
                await connection.OpenAsync(cancellationToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                throw new ServerException($"Cannot connect to {admin.Redacted}: {PostgresErrors.Describe(e)}", e);
            }
            await EnsureNotAPlatformHomeAsync(connection, name!, admin, cancellationToken);
            var canCreateRoles = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT rolsuper OR (rolcreaterole AND rolcreatedb) FROM pg_roles WHERE rolname = current_user", cancellationToken: cancellationToken));
            if (!canCreateRoles)
            {
                throw new ServerException($"{admin.Username} on {admin.Host}:{admin.Port} cannot create roles with CREATEDB: give `server add` a superuser's URL " +
                    "(or a role with CREATEROLE and CREATEDB); it is used once, to create the platform's roles there, and is not kept.");
            }
            var names = source.Names;
            var secrets = source.Cluster.Secrets;
            acted.AddRange(await ServerRoles.EnsureAsync(connection, secrets,
                [(names.OwnerRole, ServerRoles.OwnerAttributes), (names.AppRole, ServerRoles.LoginAttributes), (names.BiRole, ServerRoles.LoginAttributes)],
                resetExisting: existing is null, cancellationToken));
            if (await ServerRoles.EnsureSignalAsync(connection, names.OwnerRole, cancellationToken)) acted.Add($"granted {names.OwnerRole} pg_signal_backend");
            try
            {
                if (await ServerRoles.EnsureOperatorRoleAsync(connection, names, names.OwnerRole, cancellationToken)) acted.Add($"{names.OperatorRole} granted to {names.OwnerRole}");
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                acted.Add($"no {names.OperatorRole} ({e.MessageText}): a superuser must create it before tenants on this server can be archived");
            }
        }
        if (existing is null)
        {
            await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
            try
            {
                await platform.ExecuteAsync(new CommandDefinition("""
                    INSERT INTO ipai_server (name, host, port, sslmode, maintenance_database) VALUES (@name, @host, @port, @sslmode, @maintenance)
                    """, new { name, host = admin.Host, port = admin.Port, sslmode = PostgresUrl.SslModeText(admin.SslMode), maintenance = admin.Database },
                    cancellationToken: cancellationToken));
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                var holder = (await ListServersAsync(cancellationToken)).FirstOrDefault(s => s.Host == admin.Host && s.Port == admin.Port);
                throw new ServerException(holder is null
                    ? $"Server '{name}' was added at the same moment by another run: `./ipai server list`."
                    : $"{admin.Host}:{admin.Port} is in the fleet already, as server '{holder.Name}'.", e);
            }
            acted.Add($"recorded server {name} at {admin.Host}:{admin.Port}");
        }
        databases.ForgetServers();
        // The platform's own login works there: what every later step on this server uses.
        await using (var owner = await databases.Maintenance(name!).OpenConnectionAsync(cancellationToken))
        {
            await owner.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
        }
        return acted;
    }

    /// <summary>
    /// A server that holds a platform database is some platform's home (this one's, given by another address, or
    /// another platform's, whose roles share our names): adding it would hand its roles our passwords.
    /// </summary>
    private static async Task EnsureNotAPlatformHomeAsync(NpgsqlConnection connection, string name, PostgresUrl admin, CancellationToken cancellationToken)
    {
        if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", new { database = PlatformOptions.PlatformDatabase }, cancellationToken: cancellationToken)))
        {
            throw new ServerException($"{admin.Host}:{admin.Port} holds a platform database ({PlatformOptions.PlatformDatabase}): it is the home server of this " +
                $"platform or of another one, and cannot be added as server '{name}'. Add a server that no platform lives on.");
        }
    }

    /// <summary>
    /// Takes server <paramref name="name"/> out of the fleet: only when no tenant is placed on it (move them first) and
    /// no move's journal names it. The platform's roles stay on that server; the registry forgets it.
    /// </summary>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        if (name == FleetServer.Home) throw new ServerException("'home' is the platform's own server: it cannot be removed.");
        if (name == databases.Environment.DataServer)
        {
            throw new ServerException($"Server {name} holds the shared data database ({databases.Environment.DataDatabase}, Platform:DataServer): it cannot be removed.");
        }
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var placed = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT code FROM ipai_tenant WHERE server = @name ORDER BY code LIMIT 11", new { name }, cancellationToken: cancellationToken))).ToList();
        if (placed.Count > 0)
        {
            throw new ServerException($"Server {name} holds tenant(s) {string.Join(", ", placed.Take(10))}{(placed.Count > 10 ? ", …" : "")}: " +
                $"drain it (`./ipai server drain {name}`), move them (`./ipai tenant move CODE --to OTHER`), then remove it.");
        }
        try
        {
            var removed = await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ipai_server WHERE name = @name", new { name }, cancellationToken: cancellationToken));
            if (removed == 0) throw UnknownServerException.Of(name);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new ServerException($"Server {name} is named by the journal of a tenant move (`ipai_tenant_move`): it stays in the fleet as a record of where tenants were.", e);
        }
        databases.ForgetServers();
    }

    /// <summary>Marks <paramref name="name"/> draining: no new tenant is placed on it; its tenants stay until moved (<c>tenant move</c>).</summary>
    public Task<FleetServer> DrainAsync(string name, CancellationToken cancellationToken) => SetStateAsync(name, "draining", cancellationToken);

    /// <summary>Takes a draining server back: new tenants may be placed on it again.</summary>
    public Task<FleetServer> ActivateAsync(string name, CancellationToken cancellationToken) => SetStateAsync(name, "active", cancellationToken);

    private async Task<FleetServer> SetStateAsync(string name, string state, CancellationToken cancellationToken)
    {
        await using (var connection = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            var changed = await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE ipai_server SET state = @state WHERE name = @name", new { name, state }, cancellationToken: cancellationToken));
            if (changed == 0) throw UnknownServerException.Of(name);
        }
        databases.ForgetServers();
        return await GetAsync(name, cancellationToken);
    }
}
