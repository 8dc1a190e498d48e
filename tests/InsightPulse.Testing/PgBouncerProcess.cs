using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using InsightPulse.Core.ManagedPostgres;
using Npgsql;

namespace InsightPulse.Testing;

/// <summary>
/// A PgBouncer process on a free loopback port in front of a lane's test server, set up the way Supabase's pooler
/// is: transaction pooling, every database name forwarded to the same-named database of the server (a wildcard entry,
/// so tenant databases created at run time need no entry), and every role authenticated with <c>auth_query</c>
/// against pg_shadow as the fixture's admin login (so roles that the platform creates later, such as ipai_app with
/// the SCRAM password it sets, log in without being listed anywhere). Needs a superuser admin login (pg_shadow):
/// the throwaway cluster's is one.
/// </summary>
public sealed class PgBouncerProcess : IAsyncDisposable
{
    private static readonly string[] Binaries = ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"];

    private readonly Process _process;
    private bool _disposed;

    private PgBouncerProcess(Process process, string folder, int port)
    {
        _process = process;
        Folder = folder;
        Port = port;
    }

    /// <summary>The loopback port PgBouncer listens on (host 127.0.0.1, SslMode.Disable).</summary>
    public int Port { get; }

    /// <summary>The folder that holds pgbouncer.ini, the auth file and pgbouncer.log; deleted on dispose.</summary>
    public string Folder { get; }

    public string LogPath => Path.Combine(Folder, "pgbouncer.log");

    /// <summary>What PgBouncer logged so far (empty when it logged nothing yet), for diagnostics.</summary>
    public async Task<string> LogAsync()
    {
        if (!File.Exists(LogPath)) return "";
        // PgBouncer keeps the file open for appending: share it.
        await using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync();
    }

    public static async Task<PgBouncerProcess> StartAsync(PostgresFixture postgres, int serverPoolSize)
    {
        var binary = Binaries.FirstOrDefault(File.Exists);
        Assert.True(binary is not null,
            "PgBouncer is not installed: `scripts/ensure-deps.sh pgbouncer` installs Debian's package (apt-get install pgbouncer). This test does not skip.");
        var folder = PostgresFixture.NewTempFolder("ipai-test-pgbouncer");
        var port = ManagedCluster.FreePort();
        // The auth file holds only the auth_user: the admin login of the throwaway test cluster, 0600, deleted with
        // the folder. Its plain password lets PgBouncer log in to the server as it to run auth_query; every other role
        // is looked up in pg_shadow, and PgBouncer answers SCRAM to the client with the stored SCRAM secret and logs in
        // to the server with the keys that client's SCRAM exchange gave it.
        var admin = postgres.Admin;
        var authFile = Path.Combine(folder, "userlist.txt");
        await File.WriteAllTextAsync(authFile, $"{Quote(admin.Username)} {Quote(admin.Password)}\n");
        File.SetUnixFileMode(authFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var ini = Path.Combine(folder, "pgbouncer.ini");
        var log = Path.Combine(folder, "pgbouncer.log");
        await File.WriteAllTextAsync(ini, $"""
            [databases]
            * = host={postgres.Server.Host} port={postgres.Server.Port}

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = {port}
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = {authFile}
            auth_user = {admin.Username}
            auth_query = SELECT usename, passwd FROM pg_shadow WHERE usename=$1
            pool_mode = transaction
            default_pool_size = {serverPoolSize}
            min_pool_size = 0
            max_client_conn = 500
            ignore_startup_parameters = extra_float_digits
            server_tls_sslmode = disable
            logfile = {log}
            admin_users =

            """);
        var info = new ProcessStartInfo { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        if (Environment.IsPrivilegedProcess)
        {
            // PgBouncer refuses to run as root: as root, run it as Debian's postgres user, who must own its files.
            using var chown = Process.Start("chown", ["-R", "postgres", folder])!;
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
        // Whatever a test forgets, the pooler goes with the test process.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillQuietly(process);
        // PgBouncer logs every connection to stderr as well: drain both pipes, or it blocks once a pipe's buffer is
        // full (that was the "15 s stall" after ~2,000 operations).
        var stderrLines = new ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null && stderrLines.Count < 200) stderrLines.Enqueue(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        var bouncer = new PgBouncerProcess(process, folder, port);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                var logText = await bouncer.LogAsync();
                var stderr = string.Join('\n', stderrLines);
                var exitCode = process.ExitCode;
                await bouncer.DisposeAsync();
                Assert.Fail($"pgbouncer exited with {exitCode}: {stderr} {logText}");
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

    /// <summary>
    /// Client backends of <paramref name="user"/> that PostgreSQL sees (with PgBouncer running: its server connections
    /// for that user, plus any the test opened directly).
    /// </summary>
    public static async Task<int> BackendsAsync(PostgresFixture postgres, string user)
    {
        await using var admin = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase));
        await admin.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*)::int FROM pg_stat_activity WHERE usename = @user AND backend_type = 'client backend'", admin);
        command.Parameters.AddWithValue("user", user);
        return (int)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        if (Directory.Exists(Folder)) Directory.Delete(Folder, recursive: true);
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // already gone (or disposed)
        }
    }

    /// <summary>A double-quoted auth file field (a double quote inside is doubled).</summary>
    private static string Quote(string value) => $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
