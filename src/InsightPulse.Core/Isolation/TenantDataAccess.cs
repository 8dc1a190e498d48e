using System.Collections.Concurrent;
using Dapper;
using InsightPulse.Core.Platform;
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
public sealed class TenantDataAccess(PlatformDatabases databases, PlatformEnvironmentSource source, TenantRegistry registry, RuntimeRoleGuard guard)
{
    private readonly ConcurrentDictionary<string, Lazy<Task>> _checked = new(StringComparer.Ordinal);

    /// <summary>A unit of work for the tenant with this code (looked up in the registry).</summary>
    public async Task<TenantUnitOfWork> BeginAsync(string? tenantCode, TenantStore store, CancellationToken cancellationToken)
    {
        RequireCode(tenantCode);
        var tenant = await registry.GetAsync(tenantCode!, cancellationToken);
        return await BeginAsync(tenant, store, cancellationToken);
    }

    /// <summary>A read-write unit of work on <paramref name="tenant"/>'s data in <paramref name="store"/>, as the runtime role.</summary>
    public Task<TenantUnitOfWork> BeginAsync(Tenant? tenant, TenantStore store, CancellationToken cancellationToken) =>
        BeginAsync(tenant, store, source.Names.AppRole, readOnly: false, cancellationToken);

    /// <summary>A read-only unit of work as the BI role (dashboards, exports), under the same policies.</summary>
    public Task<TenantUnitOfWork> BeginReadOnlyAsync(Tenant? tenant, TenantStore store, CancellationToken cancellationToken) =>
        BeginAsync(tenant, store, source.Names.BiRole, readOnly: true, cancellationToken);

    private async Task<TenantUnitOfWork> BeginAsync(Tenant? tenant, TenantStore store, string role, bool readOnly, CancellationToken cancellationToken)
    {
        if (tenant is null) throw new TenantContextRequiredException("A tenant is required to reach tenant data: resolve the tenant (host, header) before opening a unit of work.");
        RequireCode(tenant.Code);
        if (tenant.State == TenantState.Draft)
        {
            throw new TenantContextRequiredException($"Tenant '{tenant.Code}' is a draft and has no data yet: provision it first (`./ipai tenant provision {tenant.Code}`).");
        }
        await EnsureRoleCheckedAsync(role, cancellationToken);
        var (database, schema) = store == TenantStore.Database
            ? (tenant.DbName, "public")
            : (databases.Environment.DataDatabase, tenant.SupabaseSchema);
        var path = Sql.Identifier(schema); // validated and quoted: the search path is the tenant's schema only
        var login = new PostgresLogin(role, source.Cluster.Secrets.ReadRequired(PlatformEnvironment.RoleSecret(role)));
        var connection = await databases.Get(database, login).OpenConnectionAsync(cancellationToken);
        NpgsqlTransaction? transaction = null;
        try
        {
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            // First statement of the transaction; is_local = true: both end with the transaction.
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT set_config('app.tenant_id', @code, true), set_config('search_path', @path, true)",
                new { code = tenant.Code, path }, transaction, cancellationToken: cancellationToken));
            if (readOnly)
            {
                await connection.ExecuteAsync(new CommandDefinition("SET TRANSACTION READ ONLY", transaction: transaction, cancellationToken: cancellationToken));
            }
            return new TenantUnitOfWork(tenant.Code, store, database, schema, connection, transaction);
        }
        catch
        {
            if (transaction is not null) await transaction.DisposeAsync();
            await connection.DisposeAsync();
            throw;
        }
    }

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

    private async Task EnsureRoleCheckedAsync(string role, CancellationToken cancellationToken)
    {
        var check = _checked.GetOrAdd(role, r => new Lazy<Task>(() => guard.EnsureSafeAsync(r, CancellationToken.None)));
        try
        {
            await check.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            _checked.TryRemove(new KeyValuePair<string, Lazy<Task>>(role, check)); // check again next time (the operator may have fixed it)
            throw;
        }
    }
}
