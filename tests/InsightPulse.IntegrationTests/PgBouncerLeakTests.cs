using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Npgsql;
using Xunit.Abstractions;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// <see cref="PoolLeakTests"/>' hammer through PgBouncer in transaction pooling mode, with the runtime pool set up as
/// the platform sets it up behind such a pooler.
/// </summary>
[Collection(Lanes.B)]
public sealed class PgBouncerLeakTests(PostgresFixture postgres, SharedPlatform shared, ITestOutputHelper output) : PoolLeakTestClass(postgres, shared, output)
{
    [Fact]
    public async Task PgBouncer_in_transaction_mode_never_leaks_a_tenant()
    {
        var before = await PgBouncerProcess.BackendsAsync(Postgres, "ipai_app"); // ipai_app sessions of the test's own setup
        // Supabase-like: ipai_app, created by the platform with its own SCRAM password, logs in through auth_query.
        await using var bouncer = await PgBouncerProcess.StartAsync(Postgres, serverPoolSize: 2);
        // The runtime pool as the platform sets it up behind a transaction-mode pooler (POSTGRES_URL with pgbouncer=true):
        // no reset on close, no prepared statements.
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = bouncer.Port, Database = "postgres", Username = "ipai_app", Password = ScoutScope.Password(Hammer.Platform, "ipai_app"),
            SslMode = SslMode.Disable, CommandTimeout = 5, MaxPoolSize = 6, ApplicationName = "ipai-tests",
        };
        PlatformDatabases.Configure(settings, new PostgresServer("127.0.0.1", bouncer.Port, SslMode.Disable, BehindTransactionPooler: true), runtimeRole: true);
        Assert.True(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
        var connectionString = settings.ConnectionString;

        // No session state left on purpose here: a transaction-mode pooler hands a server session to the next transaction
        // of any client as it is (PgBouncer runs no reset between transactions unless server_reset_query_always), so the
        // platform keeps to transaction-local state (set_config(…, true)) on the request path; what is proved here is
        // that the tenant context itself never crosses.
        var tally = await Hammer.HammerAsync(connectionString, operations: 20_000, workers: 6, budget: PoolLeakHammer.HammerBudget, leaveState: false);

        PoolLeakHammer.AssertClean(tally, minimumOk: 10_000, leftState: false);
        // PgBouncer pooled everything onto at most 2 server connections (a connection it dropped after a client-side
        // timeout may still be ending: give it a moment).
        var serverConnections = await PgBouncerProcess.BackendsAsync(Postgres, "ipai_app") - before;
        for (var wait = 0; serverConnections > 2 && wait < 50; wait++)
        {
            await Task.Delay(100);
            serverConnections = await PgBouncerProcess.BackendsAsync(Postgres, "ipai_app") - before;
        }
        Assert.InRange(serverConnections, 1, 2);
    }
}
