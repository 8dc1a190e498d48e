using InsightPulse.Web.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;

namespace InsightPulse.Web;

/// <summary>
/// Where the HTTP acceptance gates go: the web host given (<c>--url</c>), else the one running at
/// <see cref="WebOptions.DefaultUrls"/> when it answers <c>/healthz</c>, else one started in this process for the run
/// (stopped when this is disposed).
/// </summary>
public sealed class VerificationSite : IAsyncDisposable
{
    private readonly WebApplication? _app;

    private VerificationSite(Uri address, string description, WebApplication? app)
    {
        Address = address;
        Description = description;
        _app = app;
    }

    public Uri Address { get; }

    /// <summary>For the operator: the address and whether it was running or started for this run.</summary>
    public string Description { get; }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary><paramref name="url"/> if given; else a fresh in-process host when <paramref name="inProcess"/>; else the running one, or a fresh one.</summary>
    public static async Task<VerificationSite> OpenAsync(IConfiguration configuration, string? url, bool inProcess, CancellationToken cancellationToken)
    {
        if (url is not null) return new VerificationSite(new Uri(url), url, null);
        if (inProcess) return await StartAsync(configuration, cancellationToken);
        var running = new Uri(WebOptions.DefaultUrls.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        using (var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
        {
            try
            {
                using var health = await probe.GetAsync(new Uri(running, "/healthz"), cancellationToken);
                if (health.IsSuccessStatusCode) return new VerificationSite(running, $"{WebOptions.DefaultUrls} (running)", null);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // none runs: start one below
            }
        }
        return await StartAsync(configuration, cancellationToken);
    }

    /// <summary>A web host for this run: no event dispatching, and rate limits that a run over many tenants does not hit.</summary>
    private static async Task<VerificationSite> StartAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var local = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Events:Dispatcher"] = "false",
            ["Web:SignInAttemptsPerMinute"] = "10000",
            ["Web:GuestTokensPerMinute"] = "100000",
            ["Web:ApiRequestsPerMinute"] = "1000000",
        }).Build();
        var app = InsightPulseWeb.Build(local, "http://127.0.0.1:0", quiet: true);
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Urls.First());
        return new VerificationSite(address, $"{address} (started for this run)", app);
    }
}
