using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Web;
using Npgsql;

namespace InsightPulse.Bench;

/// <summary>
/// The web runtime in this process on 127.0.0.1 and a free port, as <c>./ipai serve</c> builds it (same
/// configuration, same pipeline), plus <see cref="HttpBenchmarkEndpoints"/> and the fixed path's pool. Logging at
/// Warning: no per-request log lines on either path.
/// </summary>
public sealed class HttpBenchmarkHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TenantAffinePool _fixedPool;

    private HttpBenchmarkHost(WebApplication app, TenantAffinePool fixedPool, int port)
    {
        _app = app;
        _fixedPool = fixedPool;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The web runtime's services (its pools and budgets).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the host; <paramref name="fixedSchema"/> is the schema the fixed path reads, as the owner.</summary>
    public static async Task<HttpBenchmarkHost> StartAsync(IConfiguration configuration, PlatformDatabases databases, string fixedSchema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(databases);
        var environment = databases.Environment;
        var settings = new NpgsqlConnectionStringBuilder(environment.Server.ConnectionString(environment.DataDatabase, environment.Owner, "ipai bench fixed"))
        {
            SearchPath = fixedSchema,
        };
        // Set up, built and handed out like the runtime role's pools (a tenant-affine pool, all of whose requests are
        // for one tenant), so the two paths' connections differ only in role and search path.
        PlatformDatabases.Configure(settings, environment.Server, runtimeRole: true);
        var fixedPool = new TenantAffinePool(PlatformDatabases.Build(settings.ConnectionString), TimeProvider.System);
        WebApplication? app = null;
        try
        {
            app = InsightPulseWeb.Build(configuration, "http://127.0.0.1:0", quiet: true);
            HttpBenchmarkEndpoints.Map(app, fixedPool);
            await app.StartAsync(cancellationToken);
            var port = new Uri(app.Urls.First()).Port;
            return new HttpBenchmarkHost(app, fixedPool, port);
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            await fixedPool.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _app.StopAsync(CancellationToken.None);
        }
        finally
        {
            await _app.DisposeAsync();
            await _fixedPool.DisposeAsync();
        }
    }
}
