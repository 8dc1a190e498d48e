using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// <see cref="TenantAffinePool"/> on the real server, on pools set up as production's runtime pools: a tenant gets back the session it returned, another tenant
/// never gets that session except through Npgsql's reset, the pool never holds more sessions than its size and
/// never leaves a request waiting while it keeps idle ones, and it lets go of broken and long-idle sessions.
/// </summary>
[Collection(Lanes.A)]
public sealed class TenantAffinePoolTests(PostgresFixture postgres)
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UnixEpoch;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>A pool of <paramref name="size"/> on the test server, its sessions named <paramref name="application"/> (to count them).</summary>
    private TenantAffinePool Pool(int size, string application, TimeProvider? time = null)
    {
        var settings = new NpgsqlConnectionStringBuilder(postgres.ConnectionString(postgres.AdminDatabase))
        {
            MaxPoolSize = size,
            ApplicationName = application,
            Timeout = 10, // a request left waiting for a connection fails instead of hanging the test
        };
        // Set up as PlatformDatabases sets up a runtime pool (statements prepared: Npgsql's reset is then not DISCARD ALL).
        PlatformDatabases.Configure(settings, postgres.Server, runtimeRole: true);
        return new TenantAffinePool(NpgsqlDataSource.Create(settings.ConnectionString), time ?? TimeProvider.System);
    }

    private static Task<int> SessionAsync(TenantAffineConnection lease) => lease.Connection.ExecuteScalarAsync<int>("SELECT pg_backend_pid()");

    private static async Task<int> ServerSessionsAsync(NpgsqlDataSource admin, string application)
    {
        await using var connection = await admin.OpenConnectionAsync();
        return await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_stat_activity WHERE application_name = @application", new { application });
    }

    [Fact]
    public async Task A_tenant_gets_back_the_session_it_returned_and_another_tenant_gets_another()
    {
        await using var pool = Pool(4, PostgresFixture.UniqueName("affine"));

        int first;
        await using (var a = await pool.OpenAsync("acme", CancellationToken.None)) first = await SessionAsync(a);
        await using (var a = await pool.OpenAsync("acme", CancellationToken.None)) Assert.Equal(first, await SessionAsync(a));
        await using (var b = await pool.OpenAsync("beta", CancellationToken.None)) Assert.NotEqual(first, await SessionAsync(b));
        await using (var a = await pool.OpenAsync("acme", CancellationToken.None)) Assert.Equal(first, await SessionAsync(a));

        Assert.Equal(2, pool.KeptCount);
    }

    [Fact]
    public async Task A_session_moves_to_another_tenant_only_through_the_pools_reset()
    {
        await using var pool = Pool(1, PostgresFixture.UniqueName("affine"));

        int session;
        await using (var a = await pool.OpenAsync("acme", CancellationToken.None))
        {
            session = await SessionAsync(a);
            // Session-level, which the platform's own code never does: what a kept session carries to its tenant.
            await a.Connection.ExecuteAsync("SELECT set_config('app.tenant_id', 'acme', false)");
        }
        await using (var a = await pool.OpenAsync("acme", CancellationToken.None))
        {
            Assert.Equal("acme", await a.Connection.ExecuteScalarAsync<string>("SELECT current_setting('app.tenant_id', true)"));
        }

        // One session only: beta gets acme's, which went back to Npgsql's pool first and was reset there.
        await using var b = await pool.OpenAsync("beta", CancellationToken.None);
        Assert.Equal(session, await SessionAsync(b));
        Assert.Equal("", await b.Connection.ExecuteScalarAsync<string>("SELECT coalesce(current_setting('app.tenant_id', true), '')"));
    }

    [Fact]
    public async Task It_never_holds_more_sessions_than_its_size_and_leaves_no_request_waiting_while_it_keeps_one()
    {
        var application = PostgresFixture.UniqueName("affine");
        await using var pool = Pool(3, application);
        await using var admin = postgres.DataSource(postgres.AdminDatabase);
        var most = 0;

        // 8 tenants, 40 concurrent requests, 3 sessions: requests must take sessions kept for other tenants.
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(async () =>
        {
            await using var lease = await pool.OpenAsync($"tenant_{i % 8}", CancellationToken.None);
            await lease.Connection.ExecuteAsync("SELECT pg_sleep(0.02)");
            var sessions = await ServerSessionsAsync(admin, application);
            lock (pool) most = Math.Max(most, sessions);
        })));

        Assert.InRange(most, 1, 3);
        Assert.InRange(pool.KeptCount, 1, 3);
        Assert.InRange(await ServerSessionsAsync(admin, application), 1, 3);
    }

    [Fact]
    public async Task A_broken_session_is_not_kept()
    {
        await using var pool = Pool(2, PostgresFixture.UniqueName("affine"));
        await using var adminSource = postgres.DataSource(postgres.AdminDatabase);
        await using var admin = await adminSource.OpenConnectionAsync();

        int broken;
        await using (var a = await pool.OpenAsync("acme", CancellationToken.None))
        {
            broken = await SessionAsync(a);
            await admin.ExecuteAsync("SELECT pg_terminate_backend(@broken)", new { broken });
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => SessionAsync(a));
        }

        Assert.Equal(0, pool.KeptCount);
        await using var again = await pool.OpenAsync("acme", CancellationToken.None);
        Assert.NotEqual(broken, await SessionAsync(again));
    }

    [Fact]
    public async Task Sessions_idle_for_the_idle_lifetime_go_back_to_the_pool()
    {
        var clock = new ManualClock();
        await using var pool = Pool(4, PostgresFixture.UniqueName("affine"), clock);
        await using (var a = await pool.OpenAsync("acme", CancellationToken.None)) await SessionAsync(a);
        clock.Now += TimeSpan.FromSeconds(10);
        await using (var b = await pool.OpenAsync("beta", CancellationToken.None)) await SessionAsync(b);

        clock.Now += TenantAffinePool.IdleLifetime - TimeSpan.FromSeconds(1);
        Assert.Equal(1, await pool.CloseIdleAsync()); // acme's, idle longest
        Assert.Equal(1, pool.KeptCount);

        clock.Now += TimeSpan.FromSeconds(10);
        Assert.Equal(1, await pool.CloseIdleAsync());
        Assert.Equal(0, pool.KeptCount);
    }
}
