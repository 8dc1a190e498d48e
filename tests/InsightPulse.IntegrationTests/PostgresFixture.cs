using InsightPulse.Core.Local;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// One PostgreSQL server for the whole test run: a throwaway cluster (initdb into a temp folder, random loopback
/// port, the same <see cref="ManagedCluster"/> code `make up` uses) unless IPAI_TEST_POSTGRES_URL names a server
/// whose user may create databases and roles. Each test class takes fresh databases from it.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private ManagedCluster? _cluster;
    private string? _home;

    public PostgresServer Server { get; private set; } = null!;
    public PostgresLogin Admin { get; private set; } = null!;
    public string AdminDatabase { get; private set; } = "postgres";

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable("IPAI_TEST_POSTGRES_URL");
        if (!string.IsNullOrWhiteSpace(external))
        {
            var url = PostgresUrl.Parse(external);
            Server = new PostgresServer(url.Host, url.Port, url.SslMode);
            Admin = new PostgresLogin(url.Username, url.Password);
            AdminDatabase = url.Database;
            return;
        }
        _home = NewTempFolder("ipai-test-pg");
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
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_cluster is not null) await _cluster.DestroyAsync(CancellationToken.None);
        if (_home is not null && Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }

    /// <summary>A postgres:// URL for the admin login on <paramref name="database"/>, as POSTGRES_URL takes it.</summary>
    public string Url(string database) =>
        $"postgres://{Uri.EscapeDataString(Admin.Username)}:{Uri.EscapeDataString(Admin.Password)}@{Server.Host}:{Server.Port}/{database}?sslmode={(Server.SslMode == SslMode.Disable ? "disable" : "prefer")}";

    public string ConnectionString(string database) => Server.ConnectionString(database, Admin, "ipai-tests");

    public NpgsqlDataSource DataSource(string database) => NpgsqlDataSource.Create(ConnectionString(database));

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
    /// database but public (which it recreates empty). Tests run one after another (one collection), and each starts
    /// from this state. With IPAI_TEST_POSTGRES_URL this wipes that server: point it at a disposable one only.
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
    public static string NewTempFolder(string prefix)
    {
        var path = Path.Combine(Path.GetTempPath(), $"{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
        return path;
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
