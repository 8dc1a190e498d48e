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
        public int LeftState;
        public readonly List<string> Leaks = [];

        public void Leak(string what)
        {
            lock (Leaks) Leaks.Add(what);
        }

        public TimeSpan Elapsed;

        public override string ToString() => $"{Elapsed.TotalSeconds:0.0} s: {Ok} ok, {Cancelled} cancelled, {TimedOut} timed out, {Abandoned} abandoned, {Uncancelled} cancel(s) too late, {LeftState} left session state, {Leaks.Count} leak(s): {string.Join("; ", Leaks.Take(5))}";
    }

    /// <summary>Long enough for the 20,000 requests on a loaded 2-core machine (about 25 s when quiet; 30 s stopped one at 8,184).</summary>
    public static readonly TimeSpan HammerBudget = TimeSpan.FromSeconds(120);

    /// <summary>
    /// A connection handed out for one tenant's request; disposing it hands it back. With a <see cref="Unit"/>, the
    /// production path handed it out in a transaction with the tenant's context set (<c>TenantDataAccess</c>);
    /// without, the hammer begins the transaction and sets the context itself.
    /// </summary>
    public sealed record Lease(NpgsqlConnection Connection, IAsyncDisposable HandBack, Core.Isolation.TenantUnitOfWork? Unit = null) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => HandBack.DisposeAsync();
    }

    /// <summary>
    /// Session state a buggy request could leave behind (a session-level setting and search path, a temporary table, a
    /// LISTEN, an advisory lock), each naming the tenant that left it: every 13th plain request leaves it. What the next
    /// request on the connection finds of it is checked: none may name another tenant (between tenants, the pool's
    /// reset must clear it); for a pool that resets every connection it hands out, none at all.
    /// </summary>
    private const string LeaveState = """
        SELECT set_config('app.leak', @tenant, false), set_config('search_path', 'leak_' || @tenant, false), pg_try_advisory_lock(4242, @number);
        LISTEN leak_{0};
        CREATE TEMPORARY TABLE IF NOT EXISTS leak_{0} (x int);
        """;

    private const string FoundState = """
        SELECT coalesce(current_setting('app.leak', true), '') AS Setting, current_setting('search_path') AS Path,
               coalesce((SELECT string_agg(relname, ',') FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relname LIKE 'leak\_%'), '') AS Temp,
               coalesce((SELECT string_agg(c, ',') FROM pg_listening_channels() c WHERE c LIKE 'leak\_%'), '') AS Listening,
               coalesce((SELECT string_agg(objid::text, ',') FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND classid = 4242), '') AS Locks
        """;

    private sealed record State(string Setting, string Path, string Temp, string Listening, string Locks);



    /// <summary>Requests through Npgsql's own pool: any idle connection, whichever tenant used it last.</summary>
    public async Task<Tally> HammerAsync(string connectionString, int operations, int workers, TimeSpan budget, bool leaveState = true)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        return await HammerAsync(async _ =>
        {
            var connection = await source.OpenConnectionAsync();
            return new Lease(connection, connection);
        }, operations, workers, budget, leaveState: leaveState);
    }

    /// <summary>
    /// <paramref name="operations"/> requests from <paramref name="workers"/> concurrent callers, each for a tenant
    /// picked in turn, on a connection <paramref name="open"/> hands out for that tenant; every 17th is cancelled mid-query, every 19th times out on the server, every 23rd is
    /// abandoned without commit, and three hit Npgsql's own (client-side) command timeout.
    /// <paramref name="budget"/> only stops a machine too slow to finish from holding CI: what the tests check is
    /// what the requests saw and how many completed, not how fast.
    /// </summary>
    public async Task<Tally> HammerAsync(Func<string, Task<Lease>> open, int operations, int workers, TimeSpan budget, bool sameTenantStateCleared = true, bool leaveState = true)
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
                var number = 1 + (i * 7 + i / 5) % Tenants;
                var tenant = ScoutGenerator.TenantCode(number);
                await using var lease = await open(tenant);
                var connection = lease.Connection;
                var unit = lease.Unit;
                await using var ownTransaction = unit is null ? await connection.BeginTransactionAsync() : null;
                var transaction = unit?.Transaction ?? ownTransaction!;
                try
                {
                    // One round trip: the tenant context (the unit of work set it already; else the hammer sets it),
                    // what session state the connection carried when handed out, then the request's query.
                    var plain = i % 17 != 3 && i % 19 != 5 && !(i % 997 == 11 && Volatile.Read(ref clientTimeouts) < 3);
                    await using (var batch = await connection.QueryMultipleAsync(
                        (unit is null ? "SELECT current_setting('app.tenant_id', true); SELECT set_config('app.tenant_id', @tenant, true); "
                                      : "SELECT ''; SELECT current_setting('app.tenant_id', true); ") + FoundState + "; " +
                        (plain ? "SELECT tenant_id, count(*)::int FROM scout.scout_transactions GROUP BY tenant_id" : "SELECT 'x', 0"),
                        new { tenant }, transaction))
                    {
                        var inherited = await batch.ReadSingleAsync<string?>();
                        if (!string.IsNullOrEmpty(inherited)) tally.Leak($"operation {i} got a connection carrying tenant '{inherited}'");
                        var context = await batch.ReadSingleAsync<string>();
                        if (context != tenant) tally.Leak($"operation {i} for {tenant} ran as tenant '{context}'");
                        CheckState(tally, i, tenant, number, await batch.ReadSingleAsync<State>(), unit is null, sameTenantStateCleared);
                        var seen = (await batch.ReadAsync<(string Tenant, int Rows)>()).ToList();
                        if (plain && (seen.Count != 1 || seen[0].Tenant != tenant || seen[0].Rows != _rowsPerTenant[tenant]))
                        {
                            tally.Leak($"operation {i} for {tenant} saw {string.Join(", ", seen.Select(s => $"{s.Tenant}:{s.Rows}"))}");
                        }
                    }
                    if (leaveState && plain && i % 13 == 0)
                    {
                        // A bug's leftovers, committed with the request (the tenant codes are plain identifiers).
                        await connection.ExecuteAsync(LeaveState.Replace("{0}", tenant, StringComparison.Ordinal), new { tenant, number }, transaction);
                        Interlocked.Increment(ref tally.LeftState);
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
                        if (unit is null) await transaction.CommitAsync();
                        else await unit.CommitAsync(CancellationToken.None);
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

    /// <summary>
    /// What a request found of the session state earlier requests left: none naming another tenant, and none at all
    /// when <paramref name="sameTenantStateCleared"/>. The search path is checked where the hammer sets the context itself
    /// (a unit of work sets its own for the transaction, which hides the session's).
    /// </summary>
    private static void CheckState(Tally tally, int i, string tenant, int number, State found, bool pathVisible, bool sameTenantStateCleared)
    {
        var left = new[] { ("a session setting", found.Setting), ("a temporary table", found.Temp), ("a LISTEN", found.Listening) }
            .Concat(pathVisible ? [("a search path", found.Path.Contains("leak_", StringComparison.Ordinal) ? found.Path : "")] : [])
            .Where(s => s.Item2.Length > 0);
        foreach (var (what, value) in left)
        {
            var own = value.Contains(tenant, StringComparison.Ordinal);
            // A kept session's reset runs in the unit's transaction, and PostgreSQL applies an UNLISTEN at commit: the
            // unit sees its tenant's earlier LISTEN until then (notifications are never readable through SQL).
            var pendingUnlisten = !pathVisible && what == "a LISTEN";
            if ((sameTenantStateCleared && !(own && pendingUnlisten)) || !own) tally.Leak($"operation {i} for {tenant} found {what} left behind: {value}");
        }
        if (found.Locks.Length > 0 && (sameTenantStateCleared || found.Locks != number.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            tally.Leak($"operation {i} for {tenant} found advisory lock(s) {found.Locks} left behind");
        }
    }

    public static void AssertClean(Tally tally, int minimumOk, bool leftState = true)
    {
        Assert.True(tally.LeftState > 0 == leftState, tally.ToString());
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
