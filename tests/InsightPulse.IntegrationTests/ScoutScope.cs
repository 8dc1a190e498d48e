using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// A platform whose scout tenant is provisioned (scout.scout_transactions, its views, the shared views), with
/// connections as the runtime and BI roles. The test server's admin is the owner here (a superuser: RLS does not
/// bind it), so tests insert rows of any tenant directly.
/// </summary>
public static class ScoutScope
{
    public static async Task<PlatformScope> CreateAsync(PostgresFixture postgres)
    {
        var platform = await PlatformScope.CreateAsync(postgres);
        await SetUpAsync(platform);
        return platform;
    }

    /// <summary>Registers the seed tenants and provisions scout on <paramref name="platform"/>.</summary>
    public static async Task SetUpAsync(PlatformScope platform)
    {
        ArgumentNullException.ThrowIfNull(platform);
        await platform.UpAsync();
        await platform.Get<TenantProvisioner>().ProvisionAsync("scout", new TenantProvisioner.Options(), null, null, CancellationToken.None);
    }

    public static string Password(PlatformScope platform, string role)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return platform.Get<ManagedCluster>().Secrets.ReadRequired(PlatformEnvironment.RoleSecret(role));
    }

    /// <summary>Connection string of the shared data database as a platform role (ipai_app, ipai_bi).</summary>
    public static string ConnectionString(PlatformScope platform, string role, int maxPoolSize = 10)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return new NpgsqlConnectionStringBuilder(platform.Postgres.Server.ConnectionString("postgres", new(role, Password(platform, role)), "ipai-tests"))
        {
            MaxPoolSize = maxPoolSize,
        }.ConnectionString;
    }

    /// <summary>
    /// A tenant of the scout analytics (its rows in <c>scout.scout_transactions</c>, e.g. a generated retail_001): the
    /// registry's row when <paramref name="code"/> is registered, else a tenant of the shared scout schema as the
    /// registry would hold it (its database the platform's), never stored.
    /// </summary>
    public static async Task<Tenant> TenantOfAsync(PlatformScope platform, string code)
    {
        ArgumentNullException.ThrowIfNull(platform);
        return await platform.Registry.FindAsync(code, CancellationToken.None)
            ?? Tenant.New(code, code) with { DbName = PlatformOptions.PlatformDatabase, SupabaseSchema = "scout", State = TenantState.Active, Server = FleetServer.Home };
    }

    /// <summary>
    /// A tenant-scoped transaction as <paramref name="role"/> through the production path: <see cref="TenantDataAccess"/>
    /// (ipai_app: a unit of work; ipai_bi: a read-only one) on the pools <c>PlatformDatabases</c> configures, the tenant's
    /// context set by it. With no tenant, a connection of the role with no context at all (what the policies must deny),
    /// which no production path opens.
    /// </summary>
    public static async Task<T> AsTenantAsync<T>(PlatformScope platform, string role, string? tenant, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(work);
        if (tenant is null)
        {
            await using var source = NpgsqlDataSource.Create(ConnectionString(platform, role, maxPoolSize: 1));
            await using var connection = await source.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            return await work(connection, transaction);
        }
        var access = platform.Get<TenantDataAccess>();
        var of = await TenantOfAsync(platform, tenant);
        await using var unit = role == platform.Get<PlatformEnvironmentSource>().Names.BiRole
            ? await access.BeginReadOnlyAsync(of, TenantStore.Schema, CancellationToken.None)
            : await access.BeginAsync(of, TenantStore.Schema, CancellationToken.None);
        var result = await work(unit.Connection, unit.Transaction);
        await unit.CommitAsync(CancellationToken.None);
        return result;
    }
}
