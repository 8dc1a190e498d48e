using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Web.Bench;

/// <summary>
/// The web runtime in this process on 127.0.0.1 and a free port, as <c>./ipai serve</c> builds it (same
/// configuration, same pipeline), plus <see cref="HttpBenchmarkEndpoints"/> and the fixed path's pool. Logging at
/// Warning: no per-request log lines on either path.
/// </summary>
public sealed class HttpBenchmarkHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly NpgsqlDataSource _fixedSource;

    private HttpBenchmarkHost(WebApplication app, NpgsqlDataSource fixedSource, int port)
    {
        _app = app;
        _fixedSource = fixedSource;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Starts the host; <paramref name="fixedSchema"/> is the schema the fixed path reads, as the owner.</summary>
    public static async Task<HttpBenchmarkHost> StartAsync(IConfiguration configuration, PlatformDatabases databases, string fixedSchema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(databases);
        var environment = databases.Environment;
        var settings = new NpgsqlConnectionStringBuilder(environment.Server.ConnectionString(environment.DataDatabase, environment.Owner, "ipai bench fixed"))
        {
            SearchPath = fixedSchema,
        };
        // Set up and built like the runtime role's pools, so the two paths' pools differ only in role and search path.
        PlatformDatabases.Configure(settings, environment.Server, runtimeRole: true);
        var fixedSource = PlatformDatabases.Build(settings.ConnectionString);
        WebApplication? app = null;
        try
        {
            app = InsightPulseWeb.Build(configuration, "http://127.0.0.1:0", quiet: true);
            HttpBenchmarkEndpoints.Map(app, fixedSource);
            await app.StartAsync(cancellationToken);
            var port = new Uri(app.Urls.First()).Port;
            return new HttpBenchmarkHost(app, fixedSource, port);
        }
        catch
        {
            if (app is not null) await app.DisposeAsync();
            await fixedSource.DisposeAsync();
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
            await _fixedSource.DisposeAsync();
        }
    }
}
