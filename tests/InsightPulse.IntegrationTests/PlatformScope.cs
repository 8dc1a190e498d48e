using InsightPulse.Core;
using InsightPulse.Core.Platform;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// A platform of its own on the shared test server: POSTGRES_URL pointing at it (external mode), a unique
/// platform database and a temp home for secrets. Core services come from the same DI setup as the CLI.
/// </summary>
public sealed class PlatformScope : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    public PlatformScope(PostgresFixture postgres)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        Postgres = postgres;
        PlatformDatabase = PostgresFixture.UniqueName("odoo_platform_t");
        Home = PostgresFixture.NewTempFolder("ipai-test-home");
        Settings = new Dictionary<string, string?>
        {
            ["POSTGRES_URL"] = postgres.Url(postgres.AdminDatabase),
            ["Platform:PlatformDatabase"] = PlatformDatabase,
            ["Local:Home"] = Home,
        };
        _provider = NewServices();
    }

    public PostgresFixture Postgres { get; }
    public string PlatformDatabase { get; }
    public string Home { get; }
    public Dictionary<string, string?> Settings { get; }

    /// <summary>Core services as the CLI builds them, on this scope's settings.</summary>
    public ServiceProvider NewServices() =>
        new ServiceCollection().AddInsightPulseCore(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build()).BuildServiceProvider();

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();
    public TenantRegistry Registry => Get<TenantRegistry>();

    public Task<IReadOnlyList<StepResult>> UpAsync() => Get<PlatformBootstrapper>().UpAsync(null, CancellationToken.None);

    public Task<CliRun> CliAsync(params string[] args) => CliRun.RunAsync(Settings, args);

    /// <summary>A connection to the platform database as the test server's admin.</summary>
    public async Task<NpgsqlConnection> OpenPlatformAsync()
    {
        var connection = new NpgsqlConnection(Postgres.ConnectionString(PlatformDatabase));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Only the platform migrations, no seed tenants: an empty registry.</summary>
    public async Task MigrateOnlyAsync()
    {
        await using (var admin = new NpgsqlConnection(Postgres.ConnectionString(Postgres.AdminDatabase)))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Sql.Identifier(PlatformDatabase)}", admin);
            await create.ExecuteNonQueryAsync();
        }
        await MigrationRunner.ApplyAsync(Get<PlatformDatabases>().Platform, "platform",
            Migration.FromResources(typeof(Tenant).Assembly, "platform/"), CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var admin = new NpgsqlConnection(Postgres.ConnectionString(Postgres.AdminDatabase)))
        {
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Sql.Identifier(PlatformDatabase)} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
        if (Directory.Exists(Home)) Directory.Delete(Home, recursive: true);
    }
}
