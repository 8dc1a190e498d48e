using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;
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
        var before = await PgBouncer.RuntimeBackendsAsync(Postgres); // ipai_app sessions of the test's own setup
        await using var bouncer = await PgBouncer.StartAsync(Postgres, "ipai_app", ScoutScope.Password(Hammer.Platform, "ipai_app"), serverPoolSize: 2);
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

        var tally = await Hammer.HammerAsync(connectionString, operations: 20_000, workers: 6, budget: PoolLeakHammer.HammerBudget);

        PoolLeakHammer.AssertClean(tally, minimumOk: 10_000);
        // PgBouncer pooled everything onto at most 2 server connections (a connection it dropped after a client-side
        // timeout may still be ending: give it a moment).
        var serverConnections = await PgBouncer.RuntimeBackendsAsync(Postgres) - before;
        for (var wait = 0; serverConnections > 2 && wait < 50; wait++)
        {
            await Task.Delay(100);
            serverConnections = await PgBouncer.RuntimeBackendsAsync(Postgres) - before;
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
            var port = ManagedCluster.FreePort();
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
