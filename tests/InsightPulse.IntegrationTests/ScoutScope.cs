using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Provisioning;
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
    /// A tenant-scoped transaction as <paramref name="role"/>: context first. Stand-in for the tenant unit of work
    /// (Isolation/TenantUnitOfWork), to be replaced by it when merged.
    /// </summary>
    public static async Task<T> AsTenantAsync<T>(NpgsqlDataSource source, string? tenant, Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(work);
        await using var connection = await source.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        if (tenant is not null) await connection.ExecuteAsync("SELECT set_config('app.tenant_id', @tenant, true)", new { tenant }, transaction);
        var result = await work(connection, transaction);
        await transaction.CommitAsync();
        return result;
    }
}
