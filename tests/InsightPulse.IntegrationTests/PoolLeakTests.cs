using InsightPulse.Core.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// Tenant context never leaks through a connection pool: several tenants interleave requests as ipai_app over at
/// most two server connections, with cancelled, timed-out and abandoned transactions in the mix; no request ever
/// sees another tenant's row, and a connection handed out by the pool never carries a tenant. Through Npgsql's own
/// pool and through the tenant-affine pool here; through PgBouncer in <see cref="PgBouncerLeakTests"/> (another lane).
/// </summary>
[Collection(Lanes.A)]
public sealed class PoolLeakTests(PostgresFixture postgres, SharedPlatform shared, ITestOutputHelper output) : PoolLeakTestClass(postgres, shared, output)
{
    [Fact]
    public async Task Npgsql_pool_of_two_connections_never_leaks_a_tenant()
    {
        var connectionString = ScoutScope.ConnectionString(Hammer.Platform, "ipai_app", maxPoolSize: 2);

        var tally = await Hammer.HammerAsync(connectionString, operations: 20_000, workers: 6, budget: PoolLeakHammer.HammerBudget);

        PoolLeakHammer.AssertClean(tally, minimumOk: 10_000);
    }

    [Fact]
    public async Task Tenant_affine_pool_of_two_connections_never_leaks_a_tenant()
    {
        // As TenantDataAccess takes its connections: kept sessions go back to their tenant without a reset, and
        // four tenants on two connections move sessions between tenants all the time (through Npgsql's reset).
        var connectionString = ScoutScope.ConnectionString(Hammer.Platform, "ipai_app", maxPoolSize: 2);
        await using var pool = new TenantAffinePool(NpgsqlDataSource.Create(connectionString), TimeProvider.System);

        var tally = await Hammer.HammerAsync(async tenant =>
        {
            var lease = await pool.OpenAsync(tenant, CancellationToken.None);
            return new PoolLeakHammer.Lease(lease.Connection, lease);
        }, operations: 20_000, workers: 6, budget: PoolLeakHammer.HammerBudget);

        PoolLeakHammer.AssertClean(tally, minimumOk: 10_000);
        Assert.InRange(pool.KeptCount, 1, 2);
    }
}
