using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// <see cref="ConnectionBudget"/> on the real server: many tenant databases' pools share a server's budget and never
/// hold more sessions than it (sampled in pg_stat_activity while requests run), a busy tenant cannot take every
/// session, and a request that finds none within the wait fails with a clear, retryable error.
/// </summary>
[Collection(Lanes.B)]
public sealed class ConnectionBudgetTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly List<string> _databases = [];
    private readonly List<TenantAffinePool> _pools = [];
    private readonly string _application = PostgresFixture.UniqueName("budget");

    public async Task InitializeAsync()
    {
        await postgres.ResetAsync();
        for (var i = 0; i < 12; i++) _databases.Add(await postgres.CreateDatabaseAsync("budget_db"));
    }

    public async Task DisposeAsync()
    {
        foreach (var pool in _pools) await pool.DisposeAsync();
    }

    /// <summary>A tenant database's pool as PlatformDatabases makes one under a budget: no pooling underneath.</summary>
    private TenantAffinePool Pool(string database, ConnectionBudget budget, int tenantCap = int.MaxValue)
    {
        var settings = new NpgsqlConnectionStringBuilder(postgres.ConnectionString(database)) { Pooling = false, ApplicationName = _application };
        var pool = new TenantAffinePool(NpgsqlDataSource.Create(settings.ConnectionString), TimeProvider.System, budget, tenantCap);
        _pools.Add(pool);
        return pool;
    }

    private async Task<int> SessionsAsync(string? database = null)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase));
        await connection.OpenAsync();
        return await connection.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = @application AND (@database::text IS NULL OR datname = @database)",
            new { application = _application, database });
    }

    /// <summary>Samples the sessions every few milliseconds until cancelled; returns the most seen at once.</summary>
    private async Task<int> PeakSessionsAsync(CancellationToken stop, string? database = null)
    {
        var peak = 0;
        while (!stop.IsCancellationRequested)
        {
            peak = Math.Max(peak, await SessionsAsync(database));
            try { await Task.Delay(3, stop); } catch (OperationCanceledException) { }
        }
        return peak;
    }

    [Fact]
    public async Task Twelve_databases_under_a_budget_of_four_serve_every_request_and_never_hold_more_than_four_sessions()
    {
        var budget = new ConnectionBudget("test", 4, TimeSpan.FromSeconds(30));
        var pools = _databases.Select(d => Pool(d, budget)).ToList();
        using var stop = new CancellationTokenSource();
        var sampler = PeakSessionsAsync(stop.Token);

        var requests = Enumerable.Range(0, 240).Select(async i =>
        {
            await using var lease = await pools[i % pools.Count].OpenAsync($"t{i % pools.Count}", CancellationToken.None);
            return await lease.Connection.ExecuteScalarAsync<int>("SELECT 1 FROM pg_sleep(0.005)");
        }).ToList();
        var answers = await Task.WhenAll(requests);
        Assert.True(budget.Stats.Waits > 0, "requests queued for a slot");
        // One after another, round robin: no one waits, so a returned session is kept, and the next database's request
        // closes the one idle longest to take its slot.
        for (var i = 0; i < 24; i++)
        {
            await using var lease = await pools[i % pools.Count].OpenAsync($"t{i % pools.Count}", CancellationToken.None);
            await lease.Connection.ExecuteScalarAsync<int>("SELECT 1");
        }
        await stop.CancelAsync();
        var peak = await sampler;

        Assert.All(answers, a => Assert.Equal(1, a));
        var stats = budget.Stats;
        Assert.InRange(stats.Peak, 1, 4);
        // The budget's count is exact; the server may list for a moment the backend of a session just closed to hand its
        // slot on (it leaves pg_stat_activity as its process exits; under load that lags): at most one per slot, where
        // twelve pools of their own would have held twelve.
        Assert.InRange(peak, 1, 2 * 4);
        Assert.True(stats.Evictions >= 20, $"idle sessions of other databases gave up their slots ({stats.Evictions})");
        Assert.Equal(0, stats.Timeouts);
        Assert.Equal(stats.Kept, stats.Taken); // every slot still taken belongs to a kept (idle) session
        Assert.Equal(stats.Taken, await SettledSessionsAsync(stats.Taken));
    }

    [Fact]
    public async Task A_busy_tenant_gets_at_most_its_cap_and_another_tenant_is_served_meanwhile()
    {
        var budget = new ConnectionBudget("test", 6, TimeSpan.FromSeconds(30));
        var busy = Pool(_databases[0], budget, tenantCap: 2);
        var quiet = Pool(_databases[1], budget, tenantCap: 2);
        using var stop = new CancellationTokenSource();
        var sampler = PeakSessionsAsync(stop.Token, _databases[0]);

        var flood = Enumerable.Range(0, 10).Select(async _ =>
        {
            await using var lease = await busy.OpenAsync("busy", CancellationToken.None);
            await lease.Connection.ExecuteAsync("SELECT pg_sleep(0.2)");
        }).ToList();
        await Task.Delay(50);
        var clock = Stopwatch.StartNew();
        await using (var lease = await quiet.OpenAsync("quiet", CancellationToken.None))
        {
            Assert.Equal(1, await lease.Connection.ExecuteScalarAsync<int>("SELECT 1"));
        }
        var quietTook = clock.Elapsed;
        await Task.WhenAll(flood);
        await stop.CancelAsync();

        Assert.InRange(await sampler, 1, 2);
        Assert.True(quietTook < TimeSpan.FromMilliseconds(190), $"the quiet tenant waited {quietTook.TotalMilliseconds:0} ms behind the busy one");
    }

    [Fact]
    public async Task A_request_that_finds_no_connection_within_the_wait_fails_clearly_and_the_next_one_is_served()
    {
        var budget = new ConnectionBudget("pg9", 1, TimeSpan.FromSeconds(1));
        var first = Pool(_databases[0], budget);
        var second = Pool(_databases[1], budget);
        var held = await first.OpenAsync("one", CancellationToken.None);

        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ConnectionBudgetExhaustedException>(() => second.OpenAsync("two", CancellationToken.None));
        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Contains("server pg9", error.Message, StringComparison.Ordinal);
        Assert.Contains("tenant 'two'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Connections:Budget", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, budget.Stats.Timeouts);

        await held.DisposeAsync();
        await using (var lease = await second.OpenAsync("two", CancellationToken.None))
        {
            Assert.Equal(1, await lease.Connection.ExecuteScalarAsync<int>("SELECT 1"));
        }
        Assert.Equal(1, await SettledSessionsAsync(1));
    }

    /// <summary>The sessions once those just closed have left pg_stat_activity (their processes exit a moment after): polled up to a second.</summary>
    private async Task<int> SettledSessionsAsync(int expected)
    {
        var sessions = await SessionsAsync();
        for (var i = 0; i < 50 && sessions != expected; i++)
        {
            await Task.Delay(20);
            sessions = await SessionsAsync();
        }
        return sessions;
    }
}
