using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.ManagedPostgres;

/// <summary>
/// A PostgreSQL cluster the project runs itself: <c>initdb</c> into a folder it owns, <c>pg_ctl</c> to start and
/// stop it, listening on 127.0.0.1 only, scram passwords for TCP, the superuser password in the secret store.
/// PostgreSQL refuses to run as root: as root, the programs run as Debian's <c>postgres</c> user and the data
/// folder belongs to it (outside <see cref="Home"/> when that user cannot reach it).
/// </summary>
public sealed partial class ManagedCluster(string home, string? pgBinDir = null, IReadOnlyDictionary<string, string>? serverSettings = null)
{
    public const string SuperuserName = "postgres";
    public const string SuperuserSecret = "postgres.password";
    private const string SystemUser = "postgres";
    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    /// <summary>
    /// Settings the cluster starts with unless given others. <c>max_connections</c>: a web node's tenant-affine pool
    /// keeps up to 100 server sessions on the shared data database (<c>TenantAffinePool</c>), beside its other
    /// pools and the CLI's; PostgreSQL's default of 100 would leave no room.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultServerSettings = new Dictionary<string, string>
    {
        ["max_connections"] = "300",
    };

    public string Home { get; } = Path.GetFullPath(home);
    public SecretStore Secrets => new(Path.Combine(Home, "secrets"));
    public string StateFile => Path.Combine(Home, "cluster.json");
    private PostgresBinaries? _binaries;

    /// <summary>Found on first use, so that commands that never touch the cluster need no server installed.</summary>
    public PostgresBinaries Binaries => _binaries ??= PostgresBinaries.Find(pgBinDir);

    /// <summary>Recorded facts of an initialized cluster, kept in <c>.ipai/cluster.json</c> (no secrets).</summary>
    public sealed record ClusterState(string ClusterDir, int Port);

    private static string? RunAs => Environment.IsPrivilegedProcess ? SystemUser : null;

    public ClusterState? State =>
        File.Exists(StateFile) ? JsonSerializer.Deserialize<ClusterState>(File.ReadAllText(StateFile), JsonOptions) : null;

    public bool IsInitialized => State is { } s && File.Exists(Path.Combine(s.ClusterDir, "data", "PG_VERSION"));

    public PostgresServer Server => new("127.0.0.1", RequireState().Port, SslMode.Disable);

    public PostgresLogin Superuser => new(SuperuserName, Secrets.ReadRequired(SuperuserSecret));

    private ClusterState RequireState() =>
        State ?? throw new ManagedClusterException($"No managed PostgreSQL cluster under {Home}: run `make up` (or `./ipai up --no-serve`).");

    private static string DataDir(ClusterState state) => Path.Combine(state.ClusterDir, "data");
    private static string LogFile(ClusterState state) => Path.Combine(state.ClusterDir, "postgres.log");

    /// <summary>Creates the cluster unless it exists. Returns true when it acted.</summary>
    public async Task<bool> EnsureInitializedAsync(CancellationToken cancellationToken)
    {
        if (IsInitialized) return false;
        Directory.CreateDirectory(Home);
        var clusterDir = State?.ClusterDir ?? await ChooseClusterDirAsync(cancellationToken);
        var dataDir = Path.Combine(clusterDir, "data");
        if (Directory.Exists(dataDir))
        {
            // A crash inside initdb leaves a partial folder that initdb itself refuses: start that step again.
            Directory.Delete(dataDir, recursive: true);
        }
        var (password, _) = Secrets.GetOrCreate(SuperuserSecret);
        var passwordFile = Path.Combine(clusterDir, ".initdb-pw");
        await File.WriteAllTextAsync(passwordFile, password + "\n", cancellationToken);
        try
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            await GiveToSystemUserAsync(passwordFile, cancellationToken);
            await ProcessRunner.RunCheckedAsync(Binaries.InitDb,
                ["-D", dataDir, "-U", SuperuserName, "--pwfile", passwordFile, "--auth-local=scram-sha-256",
                 "--auth-host=scram-sha-256", "-E", "UTF8", "--no-locale", "--no-instructions"],
                RunAs, clusterDir, cancellationToken);
        }
        finally
        {
            File.Delete(passwordFile);
        }
        SaveState(new ClusterState(clusterDir, FreePort()));
        return true;
    }

    public async Task<bool> IsRunningAsync(CancellationToken cancellationToken)
    {
        if (!IsInitialized) return false;
        var state = RequireState();
        var result = await ProcessRunner.RunAsync(Binaries.PgCtl, ["status", "-D", DataDir(state)], RunAs, null, state.ClusterDir, cancellationToken);
        return result.ExitCode == 0;
    }

    /// <summary>Starts the cluster unless it runs. Returns true when it acted.</summary>
    public async Task<bool> EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (await IsRunningAsync(cancellationToken)) return false;
        var state = RequireState();
        if (!IsPortFree(state.Port))
        {
            state = state with { Port = FreePort() };
            SaveState(state);
        }
        var options = new StringBuilder($"-c port={state.Port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''");
        foreach (var (key, value) in serverSettings ?? DefaultServerSettings)
        {
            if (!SettingName().IsMatch(key) || !SettingValue().IsMatch(value))
            {
                throw new ArgumentException($"Server setting {Sql.Printable(key)} has a name or value we do not pass to a shell.");
            }
            options.Append($" -c {key}={value}");
        }
        var result = await ProcessRunner.RunAsync(Binaries.PgCtl,
            ["start", "-D", DataDir(state), "-l", LogFile(state), "-w", "-t", "120", "-o", options.ToString()],
            RunAs, null, state.ClusterDir, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new ManagedClusterException($"PostgreSQL did not start (pg_ctl exit {result.ExitCode}). Last lines of {LogFile(state)}:\n{LogTail(state)}");
        }
        return true;
    }

    /// <summary>Stops the cluster if it runs. Returns true when it acted.</summary>
    public async Task<bool> StopAsync(bool immediate, CancellationToken cancellationToken)
    {
        if (!await IsRunningAsync(cancellationToken)) return false;
        var state = RequireState();
        await ProcessRunner.RunCheckedAsync(Binaries.PgCtl,
            ["stop", "-D", DataDir(state), "-m", immediate ? "immediate" : "fast", "-w", "-t", "60"],
            RunAs, state.ClusterDir, cancellationToken);
        return true;
    }

    /// <summary>Stops the cluster and deletes its data, its state and its secrets.</summary>
    public async Task DestroyAsync(CancellationToken cancellationToken)
    {
        var state = State;
        await StopAsync(immediate: true, cancellationToken);
        if (state is not null && Directory.Exists(state.ClusterDir)) Directory.Delete(state.ClusterDir, recursive: true);
        if (File.Exists(StateFile)) File.Delete(StateFile);
        if (Directory.Exists(Secrets.Directory)) Directory.Delete(Secrets.Directory, recursive: true);
    }

    private static string LogTail(ClusterState state)
    {
        var log = LogFile(state);
        return File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(8)) : "(no log written)";
    }

    private void SaveState(ClusterState state)
    {
        Directory.CreateDirectory(Home);
        File.WriteAllText(StateFile, JsonSerializer.Serialize(state, JsonOptions));
    }

    /// <summary>
    /// <c>.ipai/cluster</c> when the user running PostgreSQL can reach it; else (root with a home the
    /// <c>postgres</c> user cannot traverse, e.g. under /root) a folder under /var/lib/ipai named after the home.
    /// </summary>
    private async Task<string> ChooseClusterDirAsync(CancellationToken cancellationToken)
    {
        var preferred = Path.Combine(Home, "cluster");
        Directory.CreateDirectory(preferred, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (RunAs is null) return preferred;
        await GiveToSystemUserAsync(preferred, cancellationToken);
        var probe = await ProcessRunner.RunAsync("test", ["-w", preferred, "-a", "-x", preferred], RunAs, null, "/", cancellationToken);
        if (probe.ExitCode == 0) return preferred;

        Directory.Delete(preferred);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Home)))[..16];
        var fallback = Path.Combine("/var/lib/ipai/clusters", hash);
        Directory.CreateDirectory(fallback, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await GiveToSystemUserAsync(fallback, cancellationToken);
        return fallback;
    }

    private static async Task GiveToSystemUserAsync(string path, CancellationToken cancellationToken)
    {
        if (RunAs is null) return;
        await ProcessRunner.RunCheckedAsync("chown", [$"{SystemUser}:{SystemUser}", path], null, "/", cancellationToken);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public static bool IsPortFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"\A[a-z_]+\z")]
    private static partial Regex SettingName();

    [GeneratedRegex(@"\A[A-Za-z0-9_.]+\z")]
    private static partial Regex SettingValue();
}
