using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Web;
using Npgsql;

namespace InsightPulse.Bench;

/// <summary>
/// The web runtime in this process on 127.0.0.1 and a free port, as <c>./ipai serve</c> builds it (same
/// configuration, same pipeline), plus <see cref="HttpBenchmarkEndpoints"/> and the fixed and shared paths' pools. Logging at
/// Warning: no per-request log lines on either path.
/// </summary>
public sealed class HttpBenchmarkHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TenantAffinePool _fixedPool;
    private readonly TenantAffinePool _sharedPool;

    private HttpBenchmarkHost(WebApplication app, TenantAffinePool fixedPool, TenantAffinePool sharedPool, int port)
    {
        _app = app;
        _fixedPool = fixedPool;
        _sharedPool = sharedPool;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The web runtime's services (its pools and budgets).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts the host; <paramref name="fixedSchema"/> and <paramref name="sharedSchema"/> are the schemas the fixed
    /// and shared paths read, as the owner.
    /// </summary>
    public static async Task<HttpBenchmarkHost> StartAsync(IConfiguration configuration, PlatformDatabases databases, string fixedSchema, string sharedSchema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(databases);
        var fixedPool = OwnerPool(databases, fixedSchema, "ipai bench fixed");
        var sharedPool = OwnerPool(databases, sharedSchema, "ipai bench shared");
        WebApplication? app = null;
        try
        {
            app = InsightPulseWeb.Build(configuration, "http://127.0.0.1:0", quiet: true);
            HttpBenchmarkEndpoints.Map(app, fixedPool, sharedPool);
            await app.StartAsync(cancellationToken);
            var port = new Uri(app.Urls.First()).Port;
            return new HttpBenchmarkHost(app, fixedPool, sharedPool, port);
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            await fixedPool.DisposeAsync();
            await sharedPool.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// A pool of the owner on the data database with <paramref name="schema"/> as its search path, set up, built and
    /// handed out like the runtime role's pools (a tenant-affine pool, all of whose requests use one key), so that the
    /// paths' connections differ only in role and search path.
    /// </summary>
    private static TenantAffinePool OwnerPool(PlatformDatabases databases, string schema, string applicationName)
    {
        var settings = OwnerDataSettings.Of(databases, applicationName);
        settings.SearchPath = schema;
        return new TenantAffinePool(PlatformDatabases.Build(settings.ConnectionString), TimeProvider.System);
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
            await _sharedPool.DisposeAsync();
        }
    }
}
