using System.Collections.Concurrent;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Isolation;

/// <summary>
/// The one way to reach tenant data: <see cref="BeginAsync(Tenant, TenantStore, CancellationToken)"/> opens a
/// connection as the runtime role (<c>ipai_app</c>, never the owner), starts a transaction and, before anything
/// else, sets <c>app.tenant_id</c> (and for the schema store <c>search_path</c>) local to that transaction. Without a
/// valid tenant it refuses (<see cref="TenantContextRequiredException"/>). Before the first unit of work of a role,
/// <see cref="RuntimeRoleGuard"/> checks that the role cannot bypass row-level security.
/// </summary>
public sealed class TenantDataAccess(PlatformDatabases databases, PlatformEnvironmentSource source, RuntimeRoleGuard guard)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<RuntimeRoleCheck>>> _checked = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Role, string Server), Lazy<Task>> _checkedServers = new();

    // A role's password, read from its secret file once (not once per unit of work).
    private readonly ConcurrentDictionary<string, PostgresLogin> _logins = new(StringComparer.Ordinal);

    /// <summary>A read-write unit of work on <paramref name="tenant"/>'s data in <paramref name="store"/>, as the runtime role.</summary>
    public Task<TenantUnitOfWork> BeginAsync(Tenant? tenant, TenantStore store, CancellationToken cancellationToken) =>
        BeginAsync(tenant, store, source.Names.AppRole, readOnly: false, cancellationToken);

    /// <summary>A read-only unit of work as the BI role (dashboards, exports), under the same policies.</summary>
    public Task<TenantUnitOfWork> BeginReadOnlyAsync(Tenant? tenant, TenantStore store, CancellationToken cancellationToken) =>
        BeginAsync(tenant, store, source.Names.BiRole, readOnly: true, cancellationToken);

    /// <summary>
    /// One read of <paramref name="tenant"/>'s data in a single round trip, as the runtime role: the tenant context and
    /// the statement go to the server together (one extended-protocol pipeline, one Sync), so they share PostgreSQL's
    /// implicit transaction and the context ends with it. For list pages and other hot single-statement reads;
    /// <paramref name="sql"/> must be one statement (no <c>;</c>).
    /// </summary>
    public async Task<IReadOnlyList<T>> ReadAsync<T>(Tenant? tenant, TenantStore store, string sql, object? param, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        if (sql.Contains(';', StringComparison.Ordinal)) throw new ArgumentException("A tenant read is one statement: no ';'.", nameof(sql));
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await ReadOnceAsync<T>(tenant, store, sql, param, lastAttempt: attempt > 1, cancellationToken) is { } rows) return rows;
                // The session kept for this tenant had ended while it waited (server restart, terminated, timed out):
                // nothing of the read ran, and it runs once more on a fresh connection.
            }
            catch (PostgresException e) when (attempt == 1 && e.SqlState == PostgresErrorCodes.FeatureNotSupported && e.MessageText.Contains("cached plan", StringComparison.Ordinal))
            {
                // A statement prepared on this connection outlived a change of its result's columns (a migration ran):
                // PostgreSQL refuses to run it, Npgsql forgets it, and the read runs once more, prepared afresh.
            }
        }
    }

    /// <summary>The read; null when the connection was a kept session that had ended (unless <paramref name="lastAttempt"/>: then its error).</summary>
    private async Task<IReadOnlyList<T>?> ReadOnceAsync<T>(Tenant? tenant, TenantStore store, string sql, object? param, bool lastAttempt, CancellationToken cancellationToken)
    {
        var (lease, path) = await OpenAsync(tenant, store, source.Names.AppRole, cancellationToken);
        await using (lease)
        {
            try
            {
                var connection = lease.Connection;
                // One batch, one Sync: a kept session's reset, the context (positional parameters, nothing to rewrite)
                // and then the statement.
                await using var batch = new NpgsqlBatch(connection);
                AddContext(batch, lease, tenant!.Code, path);
                var query = new NpgsqlBatchCommand(StatementFor(path, sql));
                foreach (var property in PropertiesOf(param))
                {
                    query.Parameters.Add(new NpgsqlParameter(property.Name, property.GetValue(param) ?? DBNull.Value));
                }
                batch.BatchCommands.Add(query);
                await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
                await reader.NextResultAsync(cancellationToken); // past the context's row (the reset's statements return none)
                var parse = reader.GetRowParser(typeof(T)); // the untyped parser: Dapper's typed one refuses scalars
                var rows = new List<T>();
                while (await reader.ReadAsync(cancellationToken)) rows.Add((T)parse(reader));
                return rows;
            }
            catch (NpgsqlException) when (!lastAttempt && lease.EndedWhileKept && !cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// The statement as sent for a store whose search path is <paramref name="path"/>: led by a comment naming it.
    /// The runtime pools prepare statements by their text (<see cref="PlatformDatabases.Configure"/>), and
    /// PostgreSQL plans a prepared statement again whenever the search path differs from the one it was planned
    /// under; with one text for every tenant of the shared database, a connection serving tenants in turn would plan
    /// on every read. The comment gives each schema its own prepared statement. It is not what keeps tenants apart:
    /// the search path and the policies are.
    /// </summary>
    internal static string StatementFor(string path, string sql)
    {
        if (path.Contains("*/", StringComparison.Ordinal)) throw new ArgumentException("A search path cannot end a comment.", nameof(path));
        return $"/* {path} */ {sql}";
    }

    private static readonly ConcurrentDictionary<Type, System.Reflection.PropertyInfo[]> Properties = new();

    /// <summary>The public properties of a parameter object (an anonymous type, as with Dapper): each one a named parameter.</summary>
    private static System.Reflection.PropertyInfo[] PropertiesOf(object? param) =>
        param is null ? [] : Properties.GetOrAdd(param.GetType(), type => type.GetProperties());

    /// <summary>The tenant context, local to the transaction ($1 the tenant's code, $2 its quoted search path).</summary>
    private const string ContextSql = "SELECT set_config('app.tenant_id', $1, true), set_config('search_path', $2, true)";

    /// <summary>
    /// A session kept for its tenant goes from one request to the next request of that tenant (another user, maybe)
    /// without Npgsql's reset: what a request could leave in it at session level — a setting or search path, a
    /// temporary table (which would shadow a table of the same name), a LISTEN, an advisory lock — is cleared first,
    /// in the same round trip as the next request's context. Npgsql's own reset clears the same when a session moves
    /// to another tenant. Nothing on the platform's request path sets session state; this is against a bug that would.
    /// </summary>
    private static readonly string[] KeptSessionReset = ["DISCARD TEMP", "UNLISTEN *", "RESET ALL"];

    /// <summary>The context after a kept session's reset, which also lets go of its advisory locks (one row, as <see cref="ContextSql"/>).</summary>
    private const string ContextAfterResetSql = ContextSql + ", pg_advisory_unlock_all()";

    /// <summary>The unit's first statements: a kept session's reset (<see cref="KeptSessionReset"/>), then the tenant's context.</summary>
    private static void AddContext(NpgsqlBatch batch, TenantAffineConnection lease, string tenantCode, string path)
    {
        if (lease.WasKept)
        {
            foreach (var statement in KeptSessionReset) batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
        }
        batch.BatchCommands.Add(new NpgsqlBatchCommand(lease.WasKept ? ContextAfterResetSql : ContextSql) { Parameters = { new() { Value = tenantCode }, new() { Value = path } } });
    }

    private async Task<TenantUnitOfWork> BeginAsync(Tenant? tenant, TenantStore store, string role, bool readOnly, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await BeginOnceAsync(tenant, store, role, readOnly, lastAttempt: attempt > 1, cancellationToken) is { } unitOfWork) return unitOfWork;
            // The session kept for this tenant had ended while it waited: nothing ran, so begin once more on a fresh connection.
        }
    }

    /// <summary>The unit of work; null when the connection was a kept session that had ended (unless <paramref name="lastAttempt"/>: then its error).</summary>
    private async Task<TenantUnitOfWork?> BeginOnceAsync(Tenant? tenant, TenantStore store, string role, bool readOnly, bool lastAttempt, CancellationToken cancellationToken)
    {
        var (lease, path) = await OpenAsync(tenant, store, role, cancellationToken);
        var connection = lease.Connection;
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            // First statement of the transaction; is_local = true: both end with the transaction. Through a
            // transaction-mode pooler it is also where the pooler logs in to the server for us, and a database that
            // went away shows as a wait in the pooler's queue (PgBouncer: query_wait_timeout, 120 s): it gets the
            // time of a connection attempt, no more.
            await using (var context = new NpgsqlBatch(connection, transaction) { Timeout = PostgresServer.ConnectTimeoutSeconds })
            {
                AddContext(context, lease, tenant!.Code, path);
                await context.ExecuteNonQueryAsync(cancellationToken);
            }
            if (readOnly)
            {
                await connection.ExecuteAsync(new CommandDefinition("SET TRANSACTION READ ONLY", transaction: transaction, cancellationToken: cancellationToken));
            }
            var (_, database, schema) = Store(tenant, store);
            return new TenantUnitOfWork(tenant.Code, store, database, schema, lease, transaction);
        }
        catch (Exception e)
        {
            // A kept session that had ended (not one that timed out now: a second try would wait as long again).
            var ended = e is NpgsqlException { InnerException: not TimeoutException } && lease.EndedWhileKept && !cancellationToken.IsCancellationRequested;
            if (transaction is not null) await transaction.DisposeAsync();
            await lease.DisposeAsync();
            if (ended && !lastAttempt) return null;
            if (e is NpgsqlException { InnerException: TimeoutException } or PostgresException && TenantDatabaseUnavailableException.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                throw new TenantDatabaseUnavailableException(tenant!.Code, Store(tenant, store).Database, e);
            }
            throw;
        }
    }

    /// <summary>
    /// An open connection as <paramref name="role"/> to the tenant's store, and the search path to set: the checks
    /// every path makes first. The connection comes from the store's tenant-affine pool (<see cref="TenantAffinePool"/>):
    /// tenants of the shared data database each get back the server session they used last.
    /// </summary>
    private async Task<(TenantAffineConnection Connection, string Path)> OpenAsync(Tenant? tenant, TenantStore store, string role, CancellationToken cancellationToken)
    {
        if (tenant is null) throw new TenantContextRequiredException("A tenant is required to reach tenant data: resolve the tenant (host, header) before opening a unit of work.");
        RequireCode(tenant.Code);
        if (tenant.State == TenantState.Draft)
        {
            throw new TenantContextRequiredException($"Tenant '{tenant.Code}' is a draft and has no data yet: provision it first (`./ipai tenant provision {tenant.Code}`).");
        }
        await EnsureRoleCheckedAsync(role, cancellationToken);
        var (server, database, schema) = Store(tenant, store);
        if (server != FleetServer.Home) await EnsureRoleCheckedOnAsync(role, server, cancellationToken);
        var path = Sql.Identifier(schema); // validated and quoted: the search path is the tenant's schema only
        var login = _logins.GetOrAdd(role, r => new PostgresLogin(r, source.Cluster.Secrets.ReadRequired(PlatformEnvironment.RoleSecret(r))));
        try
        {
            return (await databases.GetAffine(server, database, login).OpenAsync(tenant.Code, cancellationToken), path);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidPassword)
        {
            // The role's password changed (secret rotated): read it again next time, with a new pool.
            _logins.TryRemove(new KeyValuePair<string, PostgresLogin>(role, login));
            await databases.ForgetAsync(server, database, login);
            throw;
        }
        catch (Exception e) when (TenantDatabaseUnavailableException.IsConnectionFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            // This tenant's store does not answer (its database dropped, the pooler cannot reach it): this tenant is
            // unavailable, not the node.
            throw new TenantDatabaseUnavailableException(tenant.Code, database, e);
        }
    }

    /// <summary>Where a tenant's store is: its own database on its fleet server, or its schema of the shared data database on the data server.</summary>
    private (string Server, string Database, string Schema) Store(Tenant tenant, TenantStore store) => store == TenantStore.Database
        ? (tenant.DatabaseServer, tenant.DbName, "public")
        : (databases.Environment.DataServer, databases.Environment.DataDatabase, tenant.SupabaseSchema);

    private static void RequireCode(string? code)
    {
        if (string.IsNullOrWhiteSpace(code))
        {
            throw new TenantContextRequiredException("A tenant is required to reach tenant data, but the tenant code is empty: resolve the tenant (host, header) before opening a unit of work.");
        }
        if (!TenantRules.CodePattern().IsMatch(code) || code.Length > Sql.MaxIdentifierLength)
        {
            throw new TenantContextRequiredException($"'{Sql.Printable(code)}' is not a tenant code (lower-case letters, digits and '_', starting with a letter).");
        }
    }

    /// <summary>
    /// Checks, once per process, that the runtime role cannot bypass row-level security (<see cref="RuntimeRoleGuard"/>);
    /// the web host calls it before serving, every unit of work before its first query.
    /// </summary>
    public Task<RuntimeRoleCheck> EnsureRuntimeRoleSafeAsync(CancellationToken cancellationToken) => EnsureRoleCheckedAsync(source.Names.AppRole, cancellationToken);

    /// <summary>
    /// The role's attributes on a fleet server, checked once per process before its first unit of work there: the
    /// check at start covers the servers tenants were on then; a server added since is checked here.
    /// </summary>
    private async Task EnsureRoleCheckedOnAsync(string role, string server, CancellationToken cancellationToken)
    {
        var check = _checkedServers.GetOrAdd((role, server), key => new Lazy<Task>(() => guard.EnsureSafeOnAsync(key.Role, key.Server, CancellationToken.None)));
        try
        {
            await check.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _checkedServers.TryRemove(new KeyValuePair<(string, string), Lazy<Task>>((role, server), check));
            throw;
        }
    }

    private async Task<RuntimeRoleCheck> EnsureRoleCheckedAsync(string role, CancellationToken cancellationToken)
    {
        var check = _checked.GetOrAdd(role, r => new Lazy<Task<RuntimeRoleCheck>>(() => guard.EnsureSafeAsync(r, CancellationToken.None)));
        try
        {
            return await check.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _checked.TryRemove(new KeyValuePair<string, Lazy<Task<RuntimeRoleCheck>>>(role, check)); // check again next time (the operator may have fixed it)
            throw;
        }
    }
}
