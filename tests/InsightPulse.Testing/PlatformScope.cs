using InsightPulse.Bench;
using InsightPulse.Core;
using InsightPulse.Core.Bootstrap;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Servers;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace InsightPulse.Testing;

/// <summary>
/// A platform on a lane's test server, emptied first (<see cref="PostgresFixture.ResetAsync"/>): POSTGRES_URL
/// pointing at it as its non-superuser owner (<see cref="PostgresFixture.Owner"/>: external mode) and a temp home for secrets. Core services come from the same DI setup as the CLI.
/// </summary>
public sealed class PlatformScope : IAsyncDisposable
{
    private readonly ServiceProvider _provider;

    private PlatformScope(PostgresFixture postgres, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        Postgres = postgres;
        Home = PostgresFixture.NewTempFolder("ipai-test-home");
        Settings = new Dictionary<string, string?>
        {
            ["POSTGRES_URL"] = postgres.OwnerUrl(postgres.AdminDatabase),
            // A platform on an external server must be given its guest-token secret (its web nodes share it).
            ["GUEST_TOKEN_JWT_SECRET"] = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Local:Home"] = Home,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) Settings[key] = value;
        _provider = NewServices();
    }

    public PostgresFixture Postgres { get; }
    public static string PlatformDatabase => PlatformOptions.PlatformDatabase;

    /// <summary>A scope on an emptied server.</summary>
    public static async Task<PlatformScope> CreateAsync(PostgresFixture postgres)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        await postgres.ResetAsync();
        return new PlatformScope(postgres);
    }

    /// <summary>A scope on an emptied server, with settings of the test's own beside the usual ones (e.g. <c>Platform:DataServer</c>).</summary>
    public static async Task<PlatformScope> CreateAsync(PostgresFixture postgres, IReadOnlyDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        await postgres.ResetAsync();
        return new PlatformScope(postgres, settings);
    }
    public string Home { get; }
    public Dictionary<string, string?> Settings { get; }

    /// <summary>Core and benchmark services as the CLI builds them, on this scope's settings.</summary>
    public ServiceProvider NewServices() =>
        new ServiceCollection().AddInsightPulseCore(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build()).AddInsightPulseBench().BuildServiceProvider();

    /// <summary>The same services with <paramref name="extra"/> settings over this scope's (e.g. a connection budget).</summary>
    public ServiceProvider NewServices(IReadOnlyDictionary<string, string?> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var settings = new Dictionary<string, string?>(Settings);
        foreach (var (key, value) in extra) settings[key] = value;
        return new ServiceCollection().AddInsightPulseCore(new ConfigurationBuilder().AddInMemoryCollection(settings).Build()).AddInsightPulseBench().BuildServiceProvider();
    }

    /// <summary>The same services on a clock of the test's choosing (e.g. a fixed day, for what depends on today's date).</summary>
    public ServiceProvider NewServices(TimeProvider time) =>
        new ServiceCollection().AddSingleton(time).AddInsightPulseCore(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build()).AddInsightPulseBench().BuildServiceProvider();

    /// <summary>The same services with another module catalog: a build whose modules have other scripts.</summary>
    public ServiceProvider NewServices(ModuleCatalog catalog) =>
        new ServiceCollection().AddInsightPulseCore(new ConfigurationBuilder().AddInMemoryCollection(Settings).Build()).AddInsightPulseBench()
            .AddSingleton(catalog).BuildServiceProvider();

    public T Get<T>() where T : notnull => _provider.GetRequiredService<T>();
    public TenantRegistry Registry => Get<TenantRegistry>();

    /// <summary>`up` as far as the registry: seed tenants registered, not provisioned.</summary>
    public Task<IReadOnlyList<StepResult>> UpAsync() => Get<PlatformBootstrapper>().UpAsync(new PlatformBootstrapper.Options(ProvisionTenants: false), null, CancellationToken.None);

    /// <summary>The whole of `up`: seed tenants provisioned too.</summary>
    public Task<IReadOnlyList<StepResult>> UpAndProvisionAsync() => Get<PlatformBootstrapper>().UpAsync(null, CancellationToken.None);

    public Task<CliRun> CliAsync(params string[] args) => CliRun.RunAsync(Settings, args);

    /// <summary>A connection to the platform database as the test server's admin.</summary>
    public async Task<NpgsqlConnection> OpenPlatformAsync()
    {
        var connection = new NpgsqlConnection(Postgres.ConnectionString(PlatformDatabase));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Only the platform migrations (and the runtime role their grants name, as `up` makes it), no seed tenants: an empty registry.</summary>
    public async Task MigrateOnlyAsync()
    {
        var names = Get<PlatformEnvironmentSource>().Names;
        await using (var admin = new NpgsqlConnection(Postgres.ConnectionString(Postgres.AdminDatabase)))
        {
            await admin.OpenAsync();
            await ServerRoles.EnsureAsync(admin, Get<ManagedCluster>().Secrets, [(names.AppRole, ServerRoles.LoginAttributes)], resetExisting: false, CancellationToken.None);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Sql.Identifier(PlatformDatabase)} OWNER {Sql.Identifier(Postgres.Owner.Username)}", admin);
            await create.ExecuteNonQueryAsync();
        }
        await MigrationRunner.ApplyAsync(Get<PlatformDatabases>().Platform, PlatformBootstrapper.PlatformTarget(names), PlatformBootstrapper.PlatformScope,
            PlatformBootstrapper.PlatformScripts(), null, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await _provider.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (Directory.Exists(Home)) Directory.Delete(Home, recursive: true);
    }
}
