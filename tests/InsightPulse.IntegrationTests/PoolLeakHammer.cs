using System.Diagnostics;
using Dapper;
using InsightPulse.Core.ScoutData;
using Npgsql;
using Xunit.Abstractions;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// The leak hammer of <see cref="PoolLeakTests"/> and <see cref="PgBouncerLeakTests"/>: on a platform whose scout
/// tenant holds generated rows of <see cref="Tenants"/> tenants, many requests, each for a tenant picked in turn,
/// through a pool of two connections, checking what every request saw.
/// </summary>
internal sealed class PoolLeakHammer(PlatformScope platform, ITestOutputHelper output)
{
    public const int Tenants = 4;
    private static readonly ScoutSeedOptions Seed = new(2000, Tenants);
    private readonly Dictionary<string, int> _rowsPerTenant = RowsPerTenant();

    public PlatformScope Platform => platform;

    /// <summary>Sets up a platform for the hammer: scout provisioned, the rows generated. The hammers only read.</summary>
    public static async Task SetUpAsync(PlatformScope platform)
    {
        await ScoutScope.SetUpAsync(platform);
        await platform.Get<ScoutSeeder>().SeedAsync(Seed, null, CancellationToken.None);
    }

    private static Dictionary<string, int> RowsPerTenant()
    {
        var rows = ScoutGenerator.RowsPerTenant(Seed);
        return Enumerable.Range(1, Tenants).ToDictionary(ScoutGenerator.TenantCode, n => rows[n - 1]);
    }

    public sealed class Tally
    {
        public int Ok;
        public int Cancelled;
        public int TimedOut;
        public int Abandoned;
        public int Uncancelled;
        public readonly List<string> Leaks = [];

        public void Leak(string what)
        {
            lock (Leaks) Leaks.Add(what);
        }

        public TimeSpan Elapsed;

        public override string ToString() => $"{Elapsed.TotalSeconds:0.0} s: {Ok} ok, {Cancelled} cancelled, {TimedOut} timed out, {Abandoned} abandoned, {Uncancelled} cancel(s) too late, {Leaks.Count} leak(s): {string.Join("; ", Leaks.Take(5))}";
    }

    /// <summary>Long enough for the 20,000 requests on a loaded 2-core machine (about 25 s when quiet; 30 s stopped one at 8,184).</summary>
    public static readonly TimeSpan HammerBudget = TimeSpan.FromSeconds(120);

    /// <summary>A connection handed out for one tenant's request; disposing it hands it back.</summary>
    public sealed record Lease(NpgsqlConnection Connection, IAsyncDisposable HandBack) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => HandBack.DisposeAsync();
    }

    /// <summary>Requests through Npgsql's own pool: any idle connection, whichever tenant used it last.</summary>
    public async Task<Tally> HammerAsync(string connectionString, int operations, int workers, TimeSpan budget)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        return await HammerAsync(async _ =>
        {
            var connection = await source.OpenConnectionAsync();
            return new Lease(connection, connection);
        }, operations, workers, budget);
    }

    /// <summary>
    /// <paramref name="operations"/> requests from <paramref name="workers"/> concurrent callers, each for a tenant
    /// picked in turn, on a connection <paramref name="open"/> hands out for that tenant; every 17th is cancelled mid-query, every 19th times out on the server, every 23rd is
    /// abandoned without commit, and three hit Npgsql's own (client-side) command timeout.
    /// <paramref name="budget"/> only stops a machine too slow to finish from holding CI: what the tests check is
    /// what the requests saw and how many completed, not how fast.
    /// </summary>
    public async Task<Tally> HammerAsync(Func<string, Task<Lease>> open, int operations, int workers, TimeSpan budget)
    {
        var tally = new Tally();
        var next = -1;
        var clock = Stopwatch.StartNew();
        var clientTimeouts = 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < operations && clock.Elapsed < budget)
            {
                var tenant = ScoutGenerator.TenantCode(1 + (i * 7 + i / 5) % Tenants);
                await using var lease = await open(tenant);
                var connection = lease.Connection;
                await using var transaction = await connection.BeginTransactionAsync();
                try
                {
                    // One round trip: what the connection carried when the pool handed it out (nothing of this
                    // request has run yet), then the tenant context (stand-in for the tenant unit of work,
                    // Isolation/TenantUnitOfWork, to be replaced by it when merged), then the request's query.
                    var plain = i % 17 != 3 && i % 19 != 5 && !(i % 997 == 11 && Volatile.Read(ref clientTimeouts) < 3);
                    await using (var batch = await connection.QueryMultipleAsync(
                        "SELECT current_setting('app.tenant_id', true); SELECT set_config('app.tenant_id', @tenant, true); " +
                        (plain ? "SELECT tenant_id, count(*)::int FROM scout.scout_transactions GROUP BY tenant_id" : "SELECT 'x', 0"),
                        new { tenant }, transaction))
                    {
                        var inherited = await batch.ReadSingleAsync<string?>();
                        if (!string.IsNullOrEmpty(inherited)) tally.Leak($"operation {i} got a connection carrying tenant '{inherited}'");
                        await batch.ReadSingleAsync<string>();
                        var seen = (await batch.ReadAsync<(string Tenant, int Rows)>()).ToList();
                        if (plain && (seen.Count != 1 || seen[0].Tenant != tenant || seen[0].Rows != _rowsPerTenant[tenant]))
                        {
                            tally.Leak($"operation {i} for {tenant} saw {string.Join(", ", seen.Select(s => $"{s.Tenant}:{s.Rows}"))}");
                        }
                    }
                    if (i % 17 == 3)
                    {
                        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(5));
                        // Long enough that the cancel request (through PgBouncer: a new connection, then forwarded)
                        // always lands while the command still runs, even on a loaded 2-core machine.
                        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_sleep(1)", transaction: transaction, cancellationToken: cancel.Token));
                        // The cancel request lost the race (a loaded machine held it past the sleep): not a leak, as
                        // the transaction is still rolled back below; counted so that the tally shows it.
                        Interlocked.Increment(ref tally.Uncancelled);
                    }
                    else if (i % 19 == 5)
                    {
                        await connection.ExecuteAsync("SET LOCAL statement_timeout = '10ms'; SELECT pg_sleep(0.2)", transaction: transaction);
                        tally.Leak($"operation {i}: the timed-out command completed");
                    }
                    else if (!plain && Interlocked.Increment(ref clientTimeouts) <= 3)
                    {
                        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_sleep(4)", transaction: transaction, commandTimeout: 1));
                        tally.Leak($"operation {i}: the command outlived its client timeout");
                    }
                    else if (i % 23 == 7)
                    {
                        Interlocked.Increment(ref tally.Abandoned);
                        continue; // disposed without commit: rolled back when returned to the pool
                    }
                    else
                    {
                        await transaction.CommitAsync();
                        Interlocked.Increment(ref tally.Ok);
                    }
                }
                catch (OperationCanceledException)
                {
                    Interlocked.Increment(ref tally.Cancelled);
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
                {
                    Interlocked.Increment(ref tally.TimedOut);
                }
                catch (NpgsqlException e) when (e.InnerException is TimeoutException)
                {
                    Interlocked.Increment(ref tally.TimedOut);
                }
            }
        })));
        tally.Elapsed = clock.Elapsed;
        output.WriteLine(tally.ToString());
        return tally;
    }

    public static void AssertClean(Tally tally, int minimumOk)
    {
        Assert.True(tally.Leaks.Count == 0, tally.ToString());
        Assert.True(tally.Ok >= minimumOk, tally.ToString());
        Assert.True(tally.Cancelled > 0 && tally.TimedOut > 0 && tally.Abandoned > 0, tally.ToString());
    }

}

/// <summary>
/// A test class of the leak hammer (<see cref="PoolLeakTests"/>, <see cref="PgBouncerLeakTests"/>): one platform for
/// the class, set up by <see cref="PoolLeakHammer.SetUpAsync"/>, and the hammer on it.
/// </summary>
public abstract class PoolLeakTestClass(PostgresFixture postgres, SharedPlatform shared, ITestOutputHelper output) : IClassFixture<SharedPlatform>, IAsyncLifetime
{
    internal PoolLeakHammer Hammer { get; private set; } = null!;

    protected PostgresFixture Postgres => postgres;

    public async Task InitializeAsync() => Hammer = new PoolLeakHammer(await shared.GetAsync(postgres, PoolLeakHammer.SetUpAsync), output);

    public Task DisposeAsync() => Task.CompletedTask;
}
