using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// The policy matrix, generated from the catalogue: every table with tenant_id in every tenant store × select,
/// insert, update, delete × own tenant, other tenant, no tenant, as the runtime role (and select, insert as the BI
/// role). Each check runs in its own transaction, rolled back. Returns one line per violated expectation. A store on
/// a fleet server other than home is reached as the admin of that server's fixture (<paramref name="servers"/>).
/// </summary>
public sealed class IsolationMatrix(PlatformScope platform, IReadOnlyDictionary<string, PostgresFixture>? servers = null)
{
    public sealed record TableCase(TenantStoreRef Store, string Table, string Own, string Other)
    {
        public override string ToString() => $"{Store.Database}/{Store.Schema}.{Table}";
    }

    /// <summary>The platform of the matrix: up, plus a second tenant of each kind (own database; schema in the platform database).</summary>
    public static async Task SetUpAsync(PlatformScope platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        await platform.UpAndProvisionAsync();
        var registry = platform.Registry;
        await registry.CreateAsync(Tenant.New("acme", "Acme Agency"), CancellationToken.None);
        await registry.CreateAsync(Tenant.New("retail2", "Second Retailer") with { DbName = PlatformOptions.PlatformDatabase }, CancellationToken.None);
        await platform.Get<TenantModules>().AddAsync("acme", "ipai_finance_ppm", CancellationToken.None);
        foreach (var code in new[] { "acme", "retail2" })
        {
            await platform.Get<TenantProvisioner>().ProvisionAsync(code, new TenantProvisioner.Options(), null, null, CancellationToken.None);
        }
    }

    /// <summary>Every table with a tenant_id column in every store, with the store's tenant and another one.</summary>
    public async Task<IReadOnlyList<TableCase>> CasesAsync()
    {
        var tenants = await platform.Registry.ListAsync(CancellationToken.None);
        var cases = new List<TableCase>();
        foreach (var store in TenantStoreRef.Of(tenants, platform.Get<PlatformDatabases>().Environment))
        {
            await using var connection = await OpenAdminAsync(store);
            var tables = await connection.QueryAsync<string>("""
                SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
                WHERE n.nspname = @schema AND c.relkind IN ('r', 'p') ORDER BY c.relname
                """, new { schema = store.Schema });
            var own = store.Tenants[0];
            var other = store.Tenants.Count > 1 ? store.Tenants[1] : tenants.First(t => t.Code != own && t.State == TenantState.Active).Code;
            cases.AddRange(tables.Select(t => new TableCase(store, t, own, other)));
        }
        return cases;
    }

    public async Task<NpgsqlConnection> OpenAdminAsync(TenantStoreRef store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var server = servers is not null && servers.TryGetValue(store.Server, out var other) ? other : platform.Postgres;
        var connection = new NpgsqlConnection(server.ConnectionString(store.Database));
        await connection.OpenAsync();
        await connection.ExecuteAsync($"SET search_path TO {Sql.Identifier(store.Schema)}");
        return connection;
    }

    /// <summary>One row of each tenant in the table (as the admin, which bypasses RLS).</summary>
    public async Task SeedAsync(TableCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        await using var connection = await OpenAdminAsync(c.Store);
        foreach (var tenant in new[] { c.Own, c.Other })
        {
            await connection.ExecuteAsync(TenantRows.Insert[c.Table], new { tenant, n = TenantRows.Next() });
        }
    }

    /// <summary>Runs every check on one table; returns the violations (empty: the table isolates tenants).</summary>
    public async Task<IReadOnlyList<string>> CheckAsync(TableCase c)
    {
        ArgumentNullException.ThrowIfNull(c);
        var failures = new List<string>();
        void Expect(bool ok, string what) { if (!ok) failures.Add($"{c}: {what}"); }
        if (!TenantRows.Insert.TryGetValue(c.Table, out var insert))
        {
            failures.Add($"{c}: no row recipe in TenantRows.Insert: add one for the new table, the matrix cannot check it otherwise.");
            return failures;
        }
        await using (var admin = await OpenAdminAsync(c.Store))
        {
            var (enabled, forced) = await admin.QuerySingleAsync<(bool, bool)>(
                "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = to_regclass(@name)", new { name = $"{Sql.Identifier(c.Store.Schema)}.{Sql.Identifier(c.Table)}" });
            Expect(enabled, "row-level security is not enabled");
            Expect(forced, "row-level security is not forced (the owner sees every tenant)");
        }
        var table = Sql.Identifier(c.Table);
        var own = new { own = c.Own, other = c.Other };
        var tenants = await platform.Registry.ListAsync(CancellationToken.None);
        var ownTenant = tenants.Single(t => t.Code == c.Own);
        var access = platform.Get<TenantDataAccess>();

        // A statement that should not fail counts as -1 when it does (e.g. a WITH CHECK violation on a row it should not see).
        async Task<long> Own(Func<NpgsqlConnection, NpgsqlTransaction, Task<long>> work, bool bi = false)
        {
            try
            {
                return await OwnOrThrow(work, bi);
            }
            catch (PostgresException e)
            {
                failures.Add($"{c}: unexpected error {e.SqlState}: {e.MessageText}");
                return -1;
            }
        }
        async Task<T> OwnOrThrow<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, bool bi = false)
        {
            await using var uow = bi
                ? await access.BeginReadOnlyAsync(ownTenant, c.Store.Kind, CancellationToken.None)
                : await access.BeginAsync(ownTenant, c.Store.Kind, CancellationToken.None);
            return await work(uow.Connection, uow.Transaction);
        }
        // A raw connection of a runtime role, search path set, tenant optionally set: the "no tenant" case.
        async Task<long> Raw(string role, string? tenant, Func<NpgsqlConnection, NpgsqlTransaction, Task<long>> work)
        {
            try
            {
                return await RawOrThrow(role, tenant, work);
            }
            catch (PostgresException e)
            {
                failures.Add($"{c}: unexpected error as {role} ({(tenant is null ? "no tenant" : tenant)}): {e.SqlState}: {e.MessageText}");
                return -1;
            }
        }
        async Task<T> RawOrThrow<T>(string role, string? tenant, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work)
        {
            var source = platform.Get<PlatformEnvironmentSource>();
            var login = new PostgresLogin(role, source.Cluster.Secrets.ReadRequired(PlatformEnvironment.RoleSecret(role)));
            await using var connection = await platform.Get<PlatformDatabases>().Get(c.Store.Server, c.Store.Database, login).OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await connection.ExecuteAsync("SELECT set_config('search_path', @path, true), set_config('app.tenant_id', @tenant, true)",
                new { path = Sql.Identifier(c.Store.Schema), tenant = tenant ?? "" }, transaction);
            return await work(connection, transaction);
        }
        static async Task<string?> Fails(Func<Task> work)
        {
            try
            {
                await work();
                return null;
            }
            catch (PostgresException e)
            {
                return e.SqlState;
            }
        }
        var n = () => TenantRows.Next();
        var appRole = platform.Get<PlatformEnvironmentSource>().Names.AppRole;
        var biRole = platform.Get<PlatformEnvironmentSource>().Names.BiRole;

        // Own tenant, as ipai_app.
        Expect(await Own((k, t) => k.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table} WHERE tenant_id = @own", own, t)) > 0, "select own: sees no own row");
        Expect(await Own((k, t) => k.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table} WHERE tenant_id IS DISTINCT FROM @own", own, t)) == 0, "select other: sees another tenant's rows");
        var state = await Fails(() => OwnOrThrow((k, t) => k.ExecuteAsync(insert, new { tenant = c.Own, n = n() }, t)));
        Expect(state is null, $"insert own: failed ({state})");
        state = await Fails(() => OwnOrThrow((k, t) => k.ExecuteAsync(insert, new { tenant = c.Other, n = n() }, t)));
        Expect(state == PostgresErrorCodes.InsufficientPrivilege, $"insert other: expected 42501 (WITH CHECK), got {state ?? "success"}");
        Expect(await Own(async (k, t) => (long)await k.ExecuteAsync($"UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = @own", own, t)) > 0, "update own: no row updated");
        Expect(await Own(async (k, t) => (long)await k.ExecuteAsync($"UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = @other", own, t)) == 0, "update other: updated another tenant's rows");
        state = await Fails(() => OwnOrThrow((k, t) => k.ExecuteAsync($"UPDATE {table} SET tenant_id = @other WHERE tenant_id = @own", own, t)));
        Expect(state == PostgresErrorCodes.InsufficientPrivilege, $"update own row into other tenant: expected 42501, got {state ?? "success"}");
        Expect(await Own(async (k, t) =>
        {
            await k.ExecuteAsync(insert, new { tenant = c.Own, n = n() }, t);
            return (long)await k.ExecuteAsync($"DELETE FROM {table} WHERE xmin = pg_current_xact_id()::xid", transaction: t);
        }) > 0, "delete own: no row deleted");
        Expect(await Own(async (k, t) => (long)await k.ExecuteAsync($"DELETE FROM {table} WHERE tenant_id = @other", own, t)) == 0, "delete other: deleted another tenant's rows");

        // No tenant, as ipai_app.
        Expect(await Raw(appRole, null, (k, t) => k.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}", transaction: t)) == 0, "select without tenant: sees rows");
        state = await Fails(() => RawOrThrow(appRole, null, (k, t) => k.ExecuteAsync(insert, new { tenant = c.Own, n = n() }, t)));
        Expect(state is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.NotNullViolation, $"insert without tenant: expected 42501, got {state ?? "success"}");
        Expect(await Raw(appRole, null, async (k, t) => (long)await k.ExecuteAsync($"UPDATE {table} SET tenant_id = tenant_id", transaction: t)) == 0, "update without tenant: updated rows");
        Expect(await Raw(appRole, null, async (k, t) => (long)await k.ExecuteAsync($"DELETE FROM {table}", transaction: t)) == 0, "delete without tenant: deleted rows");

        // ipai_bi reads its tenant only, and writes nothing.
        Expect(await Own((k, t) => k.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table} WHERE tenant_id = @own", own, t), bi: true) > 0, "bi select own: sees no own row");
        Expect(await Own((k, t) => k.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table} WHERE tenant_id IS DISTINCT FROM @own", own, t), bi: true) == 0, "bi select other: sees another tenant's rows");
        Expect(await Raw(biRole, null, (k, t) => k.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}", transaction: t)) == 0, "bi select without tenant: sees rows");
        state = await Fails(() => RawOrThrow(biRole, c.Own, (k, t) => k.ExecuteAsync(insert, new { tenant = c.Own, n = n() }, t)));
        Expect(state == PostgresErrorCodes.InsufficientPrivilege, $"bi insert: expected 42501, got {state ?? "success"}");
        return failures;
    }
}
