using System.Diagnostics;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Web;
using Microsoft.Playwright;

namespace InsightPulse.Bench;

/// <summary>
/// The browser part of <c>bench bi</c>: the web runtime in this process (as <c>./ipai serve</c> builds it) and
/// Debian's headless Chromium; for each template, a signed-in user navigates to the dashboard's page and the clock
/// stops when every chart of its first tab is drawn (the page, Superset's embedded SDK, the iframe, the guest token,
/// the dashboard and every chart's data). The first navigation runs with the chart cache cold, the others warm.
/// </summary>
public sealed class BiNavigationBenchmark(IConfiguration configuration, AdminPassword adminPassword, BiMetadata metadata)
{
    public const string ChromiumPath = "/usr/bin/chromium";
    public const double GoalMs = 1500;

    /// <summary>The dashboards timed: each template on the seed tenant it is made for.</summary>
    private static readonly (string Tenant, string Slug)[] Dashboards = [("tbwa", "agency-finance"), ("scout", "scout-retail-intelligence")];

    public async Task<IReadOnlyList<BiNavigationTiming>> RunAsync(int rounds, Action<string>? onProgress, CancellationToken cancellationToken)
    {
        if (!File.Exists(ChromiumPath)) throw new InvalidOperationException($"{ChromiumPath} is missing: `sudo apt-get install chromium` (or `scripts/ensure-deps.sh chromium`).");
        var app = InsightPulseWeb.Build(configuration, "http://127.0.0.1:0", quiet: true);
        await app.StartAsync(cancellationToken);
        try
        {
            var port = new Uri(app.Urls.First()).Port;
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1"],
            });
            var timings = new List<BiNavigationTiming>();
            foreach (var (tenant, slug) in Dashboards)
            {
                var dashboard = await metadata.DashboardAsync(tenant, slug, cancellationToken)
                    ?? throw new InvalidOperationException($"Tenant '{tenant}' has no dashboard '{slug}': `./ipai up` (or `./ipai tenant provision {tenant}`) first.");
                var charts = dashboard.Layout.Tabs[0].Charts.Count;
                var host = TenantHosts.DevelopmentHost(tenant, TenantHosts.DefaultDevelopmentSuffix);
                onProgress?.Invoke($"browser: {slug} at {host}…");
                var site = $"http://{host}:{port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
                await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
                var page = await context.NewPageAsync();
                await page.GotoAsync(site + "/login");
                await page.FillAsync("#f-login", TenantProvisioner.AdminLogin);
                await page.FillAsync("#f-password", adminPassword.For(tenant).Password);
                await page.ClickAsync("button[type=submit]");
                await page.Locator("[data-testid=user-name]").WaitForAsync();
                var times = new List<double>();
                for (var round = 0; round < rounds; round++)
                {
                    var clock = Stopwatch.StartNew();
                    await page.GotoAsync($"{site}/dashboards/{slug}");
                    var frameElement = await page.WaitForSelectorAsync("iframe[src*='/embedded/']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
                    var frame = await frameElement!.ContentFrameAsync() ?? throw new InvalidOperationException("The dashboard's iframe has no frame.");
                    var panel = frame.Locator(".bi-panel:not([hidden])");
                    await panel.Locator(".bi-card").Nth(charts - 1).WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 60_000 });
                    await frame.WaitForFunctionAsync(
                        "() => { const cards = document.querySelectorAll('.bi-panel:not([hidden]) .bi-card'); return cards.length > 0 && [...cards].every(c => ['ready', 'empty', 'error', 'broken'].includes(c.getAttribute('data-state'))); }",
                        null, new FrameWaitForFunctionOptions { Timeout = 60_000, PollingInterval = 5 });
                    times.Add(clock.Elapsed.TotalMilliseconds);
                    var notReady = await panel.Locator(".bi-card:not([data-state=ready])").CountAsync();
                    if (notReady > 0) throw new InvalidOperationException($"{notReady} chart(s) of {slug} were not drawn with data: load the demo data (`./ipai demo load {tenant}`).");
                }
                var warm = times.Skip(1).Order().ToList();
                timings.Add(new BiNavigationTiming(slug, tenant, charts, times[0], warm.Count > 0 ? warm[warm.Count / 2] : times[0], warm.Count > 0 ? warm[^1] : times[0], rounds));
            }
            return timings;
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }
    }
}

/// <summary>One template's navigation: the first (chart cache cold) and the median and worst of the others, in ms.</summary>
public sealed record BiNavigationTiming(string Dashboard, string Tenant, int Charts, double FirstMs, double MedianMs, double MaxMs, int Rounds);
