using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.ScoutData;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// Tenant context never leaks through a connection pool: several tenants interleave requests as ipai_app over at
/// most two server connections, with cancelled, timed-out and abandoned transactions in the mix; no request ever
/// sees another tenant's row, a connection handed out by the pool never carries a tenant, and no session state a
/// request leaves (a session setting, search path, temporary table, LISTEN, advisory lock) reaches another tenant.
/// Through a runtime pool as configured in production and through the production path (TenantDataAccess) here;
/// through PgBouncer in <see cref="PgBouncerLeakTests"/> (another lane).
/// </summary>
[Collection(Lanes.A)]
public sealed class PoolLeakTests(PostgresFixture postgres, SharedPlatform shared, ITestOutputHelper output) : PoolLeakTestClass(postgres, shared, output)
{
    [Fact]
    public async Task Npgsql_pool_of_two_connections_never_leaks_a_tenant()
    {
        // A runtime pool as PlatformDatabases configures one (statements prepared automatically, so Npgsql resets a
        // returned connection with RESET ALL, CLOSE ALL, UNLISTEN *, pg_advisory_unlock_all(), DISCARD TEMP…, not
        // DISCARD ALL), two connections at most: every request gets one another request of any tenant used.
        var settings = new NpgsqlConnectionStringBuilder(ScoutScope.ConnectionString(Hammer.Platform, "ipai_app", maxPoolSize: 2));
        PlatformDatabases.Configure(settings, Hammer.Platform.Get<PlatformDatabases>().Environment.RequestServer, runtimeRole: true);
        Assert.True(settings.MaxAutoPrepare > 0);

        var tally = await Hammer.HammerAsync(settings.ConnectionString, operations: 20_000, workers: 6, budget: PoolLeakHammer.HammerBudget);

        PoolLeakHammer.AssertClean(tally, minimumOk: 10_000);
    }

    [Fact]
    public async Task The_production_path_on_a_budget_of_four_never_leaks_a_tenant()
    {
        // TenantDataAccess on the pools PlatformDatabases makes, under a budget of 4 sessions (the shared data
        // database's pool takes 2): four tenants on two sessions, kept for their tenant between requests and moved
        // to another through Npgsql's reset; what one request leaves in a session reaches no other request, of another
        // tenant or of the same. The tenants are scout's generated retail tenants (rows in its schema).
        await using var services = Hammer.Platform.NewServices(new Dictionary<string, string?> { ["Connections:Budget"] = "4" });
        var access = services.GetRequiredService<TenantDataAccess>();
        var tenants = new Dictionary<string, Tenant>(StringComparer.Ordinal);
        for (var n = 1; n <= PoolLeakHammer.Tenants; n++) tenants[ScoutGenerator.TenantCode(n)] = await ScoutScope.TenantOfAsync(Hammer.Platform, ScoutGenerator.TenantCode(n));
        async Task<PoolLeakHammer.Lease> OpenAsync(string tenant)
        {
            var unit = await access.BeginAsync(tenants[tenant], TenantStore.Schema, CancellationToken.None);
            return new PoolLeakHammer.Lease(unit.Connection, unit, unit);
        }

        // Six callers on two sessions: a returned session is rarely kept (someone waits), so sessions move between tenants.
        var moving = await Hammer.HammerAsync(OpenAsync, operations: 20_000, workers: 6, budget: PoolLeakHammer.HammerBudget);
        PoolLeakHammer.AssertClean(moving, minimumOk: 10_000);
        // One caller: every returned session is kept for its tenant, and the next request of that tenant gets it back.
        var kept = await Hammer.HammerAsync(OpenAsync, operations: 4_000, workers: 1, budget: PoolLeakHammer.HammerBudget);
        PoolLeakHammer.AssertClean(kept, minimumOk: 2_000);
        var budget = services.GetRequiredService<PlatformDatabases>().BudgetStats.Single(b => b.Server == FleetServer.Home);
        Assert.True(budget.Peak <= 4, budget.ToString());
    }
}
