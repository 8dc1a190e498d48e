using System.Security.Cryptography;
using System.Text;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Servers;
using Npgsql;

namespace InsightPulse.Testing;

/// <summary>
/// One PostgreSQL server for one lane of tests (a collection fixture; see each test project's <c>Lanes</c>): a
/// throwaway cluster (initdb into a temp folder, random loopback port, the same <see cref="ManagedCluster"/> code
/// `make up` uses) unless IPAI_TEST_POSTGRES_URL names a server whose user may create databases and roles. A platform's
/// names (odoo_platform, ipai_app, odoo_tbwa) are one per server, so lanes that run at the same time need servers of
/// their own; the test classes of a lane run one after another, each on a server it empties first.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private ManagedCluster? _cluster;

    /// <summary>A throwaway cluster even when IPAI_TEST_POSTGRES_URL is set (a second server beside the lane's: <see cref="SecondServer"/>).</summary>
    public bool AlwaysManaged { get; init; }
    private string? _home;
    private FileStream? _externalLock;

    public PostgresServer Server { get; private set; } = null!;

    /// <summary>The server's superuser (or an external server's admin): empties the server, and does a test's setup and damage.</summary>
    public PostgresLogin Admin { get; private set; } = null!;

    /// <summary>
    /// The platform's owner in the tests (<see cref="OwnerUrl"/> is the scopes' POSTGRES_URL), made as <c>make up</c> makes
    /// <c>ipai_owner</c>: no superuser, no BYPASSRLS, so forced RLS binds it as in production. It has CREATEROLE besides
    /// CREATEDB because with POSTGRES_URL the URL's user creates the runtime roles (at home <c>make up</c>'s superuser
    /// does), owns the admin database (the shared data database of external mode) and is a member of the operator's
    /// reading role, as at home.
    /// </summary>
    public PostgresLogin Owner { get; private set; } = null!;

    public const string OwnerRole = "ipai_test_owner";
    public string AdminDatabase { get; private set; } = "postgres";

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("IPAI_TEST_POSTGRES_URL");
        if (!string.IsNullOrWhiteSpace(external) && !AlwaysManaged)
        {
            var url = PostgresUrl.Parse(external);
            // Every lane, of every test process, empties this one server: they take it in turn.
            _externalLock = await LockAsync($"{url.Host}:{url.Port}");
            Server = new PostgresServer(url.Host, url.Port, url.SslMode);
            Admin = new PostgresLogin(url.Username, url.Password);
            AdminDatabase = url.Database;
            await EnsureOwnerAsync();
            return;
        }
        // In memory where the machine has a tmpfs: the tests create and drop thousands of relation files, and on ext4
        // creating files soon after many were deleted costs more CPU (its recently-deleted inode check) than
        // PostgreSQL's own work; perf showed ext4_create in 16% of all samples of the integration tests.
        _home = NewTempFolder("ipai-test-pg", MemoryFolder());
        _cluster = new ManagedCluster(_home, serverSettings: new Dictionary<string, string>
        {
            // A throwaway cluster: durability buys nothing here.
            ["fsync"] = "off",
            ["synchronous_commit"] = "off",
            ["full_page_writes"] = "off",
            ["max_connections"] = "200",
        });
        await _cluster.EnsureInitializedAsync(CancellationToken.None);
        await _cluster.EnsureStartedAsync(CancellationToken.None);
        Server = _cluster.Server;
        Admin = _cluster.Superuser;
        await EnsureOwnerAsync();
    }

    /// <summary>Creates (or resets the password of) <see cref="OwnerRole"/> and gives it the admin database.</summary>
    private async Task EnsureOwnerAsync()
    {
        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await using var connection = new NpgsqlConnection(ConnectionString(AdminDatabase));
        await connection.OpenAsync();
        var exists = await Dapper.SqlMapper.ExecuteScalarAsync<bool>(connection, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = @role)", new { role = OwnerRole });
        var verb = exists ? "ALTER" : "CREATE";
        await Execute(connection, $"""
            {verb} ROLE {Sql.Identifier(OwnerRole)} LOGIN NOSUPERUSER CREATEDB CREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD {Sql.Literal(password)};
            GRANT pg_signal_backend TO {Sql.Identifier(OwnerRole)};
            ALTER DATABASE {Sql.Identifier(AdminDatabase)} OWNER TO {Sql.Identifier(OwnerRole)};
            """);
        // The operator's reading role, as `make up` makes it at home and the archiver's message asks a superuser to.
        await ServerRoles.EnsureOperatorRoleAsync(connection, new PlatformOptions(), OwnerRole, CancellationToken.None);
        Owner = new PostgresLogin(OwnerRole, password);
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_cluster is not null) await _cluster.DestroyAsync(CancellationToken.None);
        if (_home is not null && Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
        if (_externalLock is not null) await _externalLock.DisposeAsync();
    }

    /// <summary>
    /// Stops the lane's managed server as <c>pg_ctl restart -m fast</c> does (every session ended, in-flight
    /// transactions rolled back), keeps it down for <paramref name="down"/>, and starts it again on the same port;
    /// returns when it takes connections. Not for IPAI_TEST_POSTGRES_URL (a server the tests do not run).
    /// </summary>
    public async Task RestartAsync(TimeSpan down)
    {
        if (_cluster is null) throw new InvalidOperationException("Only a managed test server can be restarted; IPAI_TEST_POSTGRES_URL names one the tests do not run.");
        await _cluster.StopAsync(immediate: false, CancellationToken.None);
        await Task.Delay(down);
        await _cluster.EnsureStartedAsync(CancellationToken.None);
        if (_cluster.Server.Port != Server.Port) throw new InvalidOperationException($"The restarted server took port {_cluster.Server.Port}, not {Server.Port}.");
    }

    /// <summary>An exclusive lock (flock) on a file named after <paramref name="server"/>, held until disposed; waits for it.</summary>
    private static async Task<FileStream> LockAsync(string server)
    {
        var name = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(server)))[..16];
        var path = Path.Combine(Path.GetTempPath(), $"ipai-test-server-{name}.lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>A postgres:// URL for the admin login on <paramref name="database"/>, as POSTGRES_URL takes it (and <c>server add --url</c>).</summary>
    public string Url(string database) => UrlOf(Admin, database);

    /// <summary>A postgres:// URL for <see cref="Owner"/> on <paramref name="database"/>: the platform scopes' POSTGRES_URL.</summary>
    public string OwnerUrl(string database) => UrlOf(Owner, database);

    private string UrlOf(PostgresLogin login, string database) =>
        $"postgres://{Uri.EscapeDataString(login.Username)}:{Uri.EscapeDataString(login.Password)}@{Server.Host}:{Server.Port}/{database}?sslmode={(Server.SslMode == SslMode.Disable ? "disable" : "prefer")}";

    public string ConnectionString(string database) => Server.ConnectionString(database, Admin, "ipai-tests");

    /// <summary>A connection string for <see cref="Owner"/> on <paramref name="database"/>: what the platform's owner may do, and no more.</summary>
    public string OwnerConnectionString(string database) => Server.ConnectionString(database, Owner, "ipai-tests");

    public NpgsqlDataSource DataSource(string database) => NpgsqlDataSource.Create(ConnectionString(database));

    /// <summary>Runs <paramref name="sql"/> in <paramref name="database"/> as the admin: a test's setup, or the damage it does on purpose.</summary>
    public async Task ExecuteAsync(string database, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        await Dapper.SqlMapper.ExecuteAsync(connection, sql, parameters);
    }

    /// <summary>The first column of the first row of <paramref name="sql"/> in <paramref name="database"/>, read as the admin (past every policy).</summary>
    public async Task<T> ScalarAsync<T>(string database, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(database));
        await connection.OpenAsync();
        return (await Dapper.SqlMapper.ExecuteScalarAsync<T>(connection, sql, parameters))!;
    }

    /// <summary>A fresh, empty database with a unique name.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = UniqueName(prefix);
        await using var connection = new NpgsqlConnection(ConnectionString(AdminDatabase));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {Sql.Identifier(name)}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    /// <summary>
    /// Empties the server: drops every database but postgres and the templates, every schema of the postgres
    /// database but public (which it recreates empty). The test classes of a lane run one after another, and each
    /// starts from this state. With IPAI_TEST_POSTGRES_URL this wipes that server: point it at a disposable one only.
    /// </summary>
    public async Task ResetAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(ConnectionString(AdminDatabase));
        await connection.OpenAsync();
        var databases = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT datname FROM pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1') AND datname <> current_database()", connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) databases.Add(reader.GetString(0));
        }
        foreach (var database in databases)
        {
            await Execute(connection, $"ALTER DATABASE {Sql.Identifier(database)} IS_TEMPLATE false");
            await Execute(connection, $"DROP DATABASE {Sql.Identifier(database)} WITH (FORCE)");
        }
        await using var data = new NpgsqlConnection(ConnectionString("postgres"));
        await data.OpenAsync();
        var schemas = new List<string>();
        await using (var list = new NpgsqlCommand(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('information_schema', 'pg_toast') AND left(nspname, 3) <> 'pg_'", data))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) schemas.Add(reader.GetString(0));
        }
        foreach (var schema in schemas) await Execute(data, $"DROP SCHEMA {Sql.Identifier(schema)} CASCADE");
        await Execute(data, "CREATE SCHEMA public AUTHORIZATION pg_database_owner; GRANT USAGE ON SCHEMA public TO PUBLIC");
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];

    /// <summary>A temp folder the postgres system user can use too (we may be root).</summary>
    public static string NewTempFolder(string prefix, string? parent = null)
    {
        var path = Path.Combine(parent ?? Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }

    /// <summary>
    /// /dev/shm when it is a folder this process may write to with room for a few clusters (a container's default of
    /// 64 MB is not), else the temp folder.
    /// </summary>
    private static string MemoryFolder()
    {
        const string shm = "/dev/shm";
        const long room = 2L << 30;
        try
        {
            if (new DriveInfo(shm).AvailableFreeSpace < room) return Path.GetTempPath();
            var probe = NewTempFolder("ipai-test-probe", shm);
            Directory.Delete(probe);
            return shm;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return Path.GetTempPath();
        }
    }
}
