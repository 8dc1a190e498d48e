using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.ScoutData;
using Npgsql;
using Xunit.Abstractions;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// Tenant context never leaks through a connection pool: several tenants interleave requests as ipai_app over at
/// most two server connections, with cancelled, timed-out and abandoned transactions in the mix; no request ever
/// sees another tenant's row, and a connection handed out by the pool never carries a tenant. First through
/// Npgsql's own pool, then through PgBouncer in transaction pooling mode.
/// </summary>
[Collection(Lanes.A)]
public sealed class PoolLeakTests(PostgresFixture postgres, SharedPlatform shared, ITestOutputHelper output) : IClassFixture<SharedPlatform>, IAsyncLifetime
{
    private const int Tenants = 4;
    private static readonly ScoutSeedOptions Seed = new(2000, Tenants);
    private PlatformScope _platform = null!;
    private Dictionary<string, int> _rowsPerTenant = null!;

    /// <summary>One platform for the class: the hammers only read (their writes are transaction-local settings).</summary>
    public async Task InitializeAsync()
    {
        _platform = await shared.GetAsync(postgres, async platform =>
        {
            await ScoutScope.SetUpAsync(platform);
            await platform.Get<ScoutSeeder>().SeedAsync(Seed, null, CancellationToken.None);
        });
        var rows = ScoutGenerator.RowsPerTenant(Seed);
        _rowsPerTenant = Enumerable.Range(1, Tenants).ToDictionary(ScoutGenerator.TenantCode, n => rows[n - 1]);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private sealed class Tally
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
    private static readonly TimeSpan HammerBudget = TimeSpan.FromSeconds(120);

    /// <summary>A connection handed out for one tenant's request; disposing it hands it back.</summary>
    private sealed record Lease(NpgsqlConnection Connection, IAsyncDisposable HandBack) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => HandBack.DisposeAsync();
    }

    /// <summary>Requests through Npgsql's own pool: any idle connection, whichever tenant used it last.</summary>
    private async Task<Tally> HammerAsync(string connectionString, int operations, int workers, TimeSpan budget)
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
    private async Task<Tally> HammerAsync(Func<string, Task<Lease>> open, int operations, int workers, TimeSpan budget)
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

    private static void AssertClean(Tally tally, int minimumOk)
    {
        Assert.True(tally.Leaks.Count == 0, tally.ToString());
        Assert.True(tally.Ok >= minimumOk, tally.ToString());
        Assert.True(tally.Cancelled > 0 && tally.TimedOut > 0 && tally.Abandoned > 0, tally.ToString());
    }

    [Fact]
    public async Task Npgsql_pool_of_two_connections_never_leaks_a_tenant()
    {
        var connectionString = ScoutScope.ConnectionString(_platform, "ipai_app", maxPoolSize: 2);

        var tally = await HammerAsync(connectionString, operations: 20_000, workers: 6, budget: HammerBudget);

        AssertClean(tally, minimumOk: 10_000);
    }

    [Fact]
    public async Task Tenant_affine_pool_of_two_connections_never_leaks_a_tenant()
    {
        // As TenantDataAccess takes its connections: kept sessions go back to their tenant without a reset, and
        // four tenants on two connections move sessions between tenants all the time (through Npgsql's reset).
        var connectionString = ScoutScope.ConnectionString(_platform, "ipai_app", maxPoolSize: 2);
        await using var pool = new TenantAffinePool(NpgsqlDataSource.Create(connectionString), TimeProvider.System);

        var tally = await HammerAsync(async tenant =>
        {
            var lease = await pool.OpenAsync(tenant, CancellationToken.None);
            return new Lease(lease.Connection, lease);
        }, operations: 20_000, workers: 6, budget: HammerBudget);

        AssertClean(tally, minimumOk: 10_000);
        Assert.InRange(pool.KeptCount, 1, 2);
    }

    [Fact]
    public async Task PgBouncer_in_transaction_mode_never_leaks_a_tenant()
    {
        var before = await PgBouncer.RuntimeBackendsAsync(postgres); // ipai_app sessions of the test's own setup
        await using var bouncer = await PgBouncer.StartAsync(postgres, "ipai_app", ScoutScope.Password(_platform, "ipai_app"), serverPoolSize: 2);
        // The runtime pool as the platform sets it up behind a transaction-mode pooler (POSTGRES_URL with pgbouncer=true):
        // no reset on close, no prepared statements.
        var settings = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = bouncer.Port, Database = "postgres", Username = "ipai_app", Password = ScoutScope.Password(_platform, "ipai_app"),
            SslMode = SslMode.Disable, CommandTimeout = 5, MaxPoolSize = 6, ApplicationName = "ipai-tests",
        };
        PlatformDatabases.Configure(settings, new PostgresServer("127.0.0.1", bouncer.Port, SslMode.Disable, BehindTransactionPooler: true), runtimeRole: true);
        Assert.True(settings.NoResetOnClose);
        Assert.Equal(0, settings.MaxAutoPrepare);
        var connectionString = settings.ConnectionString;

        var tally = await HammerAsync(connectionString, operations: 20_000, workers: 6, budget: HammerBudget);

        AssertClean(tally, minimumOk: 10_000);
        // PgBouncer pooled everything onto at most 2 server connections (a connection it dropped after a client-side
        // timeout may still be ending: give it a moment).
        var serverConnections = await PgBouncer.RuntimeBackendsAsync(postgres) - before;
        for (var wait = 0; serverConnections > 2 && wait < 50; wait++)
        {
            await Task.Delay(100);
            serverConnections = await PgBouncer.RuntimeBackendsAsync(postgres) - before;
        }
        Assert.InRange(serverConnections, 1, 2);
    }

    /// <summary>A PgBouncer process on a free loopback port, in front of the test server, in transaction pooling mode.</summary>
    private sealed class PgBouncer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _folder;

        private PgBouncer(Process process, string folder, int port)
        {
            _process = process;
            _folder = folder;
            Port = port;
        }

        public int Port { get; }

        public static async Task<PgBouncer> StartAsync(PostgresFixture postgres, string user, string password, int serverPoolSize)
        {
            var binary = new[] { "/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer" }.FirstOrDefault(File.Exists);
            Assert.True(binary is not null,
                "PgBouncer is not installed: `scripts/ensure-deps.sh pgbouncer` installs Debian's package (apt-get install pgbouncer). This test does not skip.");
            var folder = PostgresFixture.NewTempFolder("ipai-test-pgbouncer");
            var port = FreePort();
            // A plain password in the auth file lets PgBouncer answer SCRAM to the client and log in to the server
            // with SCRAM too. The file is the throwaway test role's, 0600, deleted with the folder.
            var userlist = Path.Combine(folder, "userlist.txt");
            await File.WriteAllTextAsync(userlist, $"\"{user}\" \"{password.Replace("\"", "\"\"", StringComparison.Ordinal)}\"\n");
            File.SetUnixFileMode(userlist, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var ini = Path.Combine(folder, "pgbouncer.ini");
            await File.WriteAllTextAsync(ini, $"""
                [databases]
                postgres = host={postgres.Server.Host} port={postgres.Server.Port} dbname=postgres

                [pgbouncer]
                listen_addr = 127.0.0.1
                listen_port = {port}
                unix_socket_dir =
                auth_type = scram-sha-256
                auth_file = {userlist}
                pool_mode = transaction
                default_pool_size = {serverPoolSize}
                min_pool_size = 0
                max_client_conn = 200
                ignore_startup_parameters = extra_float_digits
                server_tls_sslmode = disable
                logfile = {Path.Combine(folder, "pgbouncer.log")}
                admin_users =
                stats_users = {user}

                """);
            var info = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            if (Environment.IsPrivilegedProcess)
            {
                // PgBouncer refuses to run as root: as root, run it as Debian's postgres user, who must own its files.
                var chown = Process.Start("chown", ["-R", "postgres", folder])!;
                await chown.WaitForExitAsync();
                info.FileName = "runuser";
                foreach (var argument in new[] { "-u", "postgres", "--", binary!, ini }) info.ArgumentList.Add(argument);
            }
            else
            {
                info.FileName = binary!;
                info.ArgumentList.Add(ini);
            }
            var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start pgbouncer.");
            // PgBouncer logs every connection to stderr as well: drain both pipes, or it blocks once a pipe's buffer
            // is full (that was the "15 s stall" after ~2,000 operations).
            var stderrLines = new System.Collections.Concurrent.ConcurrentQueue<string>();
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null && stderrLines.Count < 200) stderrLines.Enqueue(e.Data); };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var bouncer = new PgBouncer(process, folder, port);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    var log = File.Exists(Path.Combine(folder, "pgbouncer.log")) ? await File.ReadAllTextAsync(Path.Combine(folder, "pgbouncer.log")) : "";
                    var stderr = string.Join('\n', stderrLines);
                    await bouncer.DisposeAsync();
                    Assert.Fail($"pgbouncer exited with {process.ExitCode}: {stderr} {log}");
                }
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, port);
                    return bouncer;
                }
                catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    await Task.Delay(50);
                }
            }
        }

        /// <summary>Sessions of ipai_app that PostgreSQL sees (with PgBouncer running: its server connections, plus any before it).</summary>
        public static async Task<int> RuntimeBackendsAsync(PostgresFixture postgres)
        {
            await using var admin = new NpgsqlConnection(postgres.ConnectionString("postgres"));
            await admin.OpenAsync();
            return await admin.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_stat_activity WHERE usename = 'ipai_app' AND backend_type = 'client backend'");
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
            if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
        }
    }
}
