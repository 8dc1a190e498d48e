using System.Net.Http.Json;
using System.Text.Json;
using InsightPulse.Bench;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Demo;
using InsightPulse.Web.Bi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace InsightPulse.Web.Tests;

/// <summary>
/// Dashboards drawn in a real browser with the demo data: both templates inside their tenant's pages (every chart of
/// every tab drawn, none empty), and Superset's own embedded SDK on a plain page of another origin, pointed at our
/// server with a guest token its back end fetched through the Superset API.
/// </summary>
[Collection(Lanes.Browser)]
public sealed class BrowserDashboardTests(PostgresFixture postgres, BrowserPlatform web) : IAsyncLifetime
{
    private static readonly string[] DemoTenants = ["tbwa", "scout"];

    public async Task InitializeAsync()
    {
        await web.GetAsync(postgres);
        foreach (var code in DemoTenants) await web.Services.GetRequiredService<DemoData>().LoadAsync(code, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var code in DemoTenants) await web.Services.GetRequiredService<DemoData>().RemoveAsync(code, CancellationToken.None);
    }

    [Theory]
    [InlineData("tbwa", "agency-finance", "Agency finance")]
    [InlineData("scout", "scout-retail-intelligence", "Scout Retail Intelligence")]
    public async Task Every_chart_of_the_template_is_drawn_inside_the_tenant_page(string tenant, string slug, string title)
    {
        await using var context = await web.NewContextAsync(1400, 1000);
        var page = await context.NewPageAsync();
        var site = web.Site($"{tenant}.localhost");
        await BrowserPlatform.SignInAsync(page, site, "admin", web.AdminPasswordOf(tenant));

        await page.ClickAsync("nav >> text=Dashboards");
        await page.ClickAsync($"[data-testid=dashboard-link] >> text={title}");
        Assert.Equal($"{site}/dashboards/{slug}", page.Url);
        var frame = await EmbeddedFrameAsync(page);
        var dashboard = (await web.Services.GetRequiredService<BiMetadata>().DashboardAsync(tenant, slug, CancellationToken.None))!;

        var tabs = frame.Locator("[role=tab]");
        await Assertions.Expect(tabs).ToHaveCountAsync(dashboard.Layout.Tabs.Count);
        var drawn = 0;
        for (var i = 0; i < dashboard.Layout.Tabs.Count; i++)
        {
            await tabs.Nth(i).ClickAsync();
            await Assertions.Expect(tabs.Nth(i)).ToHaveAttributeAsync("aria-selected", "true");
            var panel = frame.Locator(".bi-panel:not([hidden])");
            drawn += await AllDrawnAsync(panel, dashboard.Layout.Tabs[i].Charts.Count);
            await BrowserPlatform.ScreenshotAsync(page, $"dashboard-{slug}-tab{i + 1}");
        }
        Assert.Equal(dashboard.Layout.Tabs.Sum(t => t.Charts.Count), drawn);
    }

    [Fact]
    public async Task A_native_filter_narrows_the_charts_whose_dataset_has_its_column()
    {
        await using var context = await web.NewContextAsync(1400, 1000);
        var page = await context.NewPageAsync();
        var site = web.Site("scout.localhost");
        await BrowserPlatform.SignInAsync(page, site, "admin", web.AdminPasswordOf("scout"));
        await page.GotoAsync($"{site}/dashboards/scout-retail-intelligence");
        var frame = await EmbeddedFrameAsync(page);
        var metadata = web.Services.GetRequiredService<BiMetadata>();
        var dashboard = (await metadata.DashboardAsync("scout", "scout-retail-intelligence", CancellationToken.None))!;
        var byRegion = (await metadata.ChartsAsync("scout", dashboard.Id, CancellationToken.None)).Single(c => c.Key == "sales_by_region");
        await frame.Locator("[role=tab] >> text=Stores and places").ClickAsync();
        await AllDrawnAsync(frame.Locator(".bi-panel:not([hidden])"), 3);

        var region = frame.Locator("[data-filter=region]");
        await region.Locator(".bi-select-button").ClickAsync();
        var first = region.Locator(".bi-option input").First;
        await first.WaitForAsync();
        var value = await first.GetAttributeAsync("value");
        await first.CheckAsync();
        var filtered = page.WaitForResponseAsync(r => r.Url.EndsWith("/api/v1/chart/data", StringComparison.Ordinal)
            && (r.Request.PostData ?? "").Contains($"\"chart_id\":{byRegion.Id}", StringComparison.Ordinal)
            && (r.Request.PostData ?? "").Contains("\"region\"", StringComparison.Ordinal));
        await frame.Locator("button[type=submit] >> text=Apply").ClickAsync();

        var response = await (await filtered).JsonAsync();
        var result = response!.Value.GetProperty("result")[0];
        Assert.Equal(1, result.GetProperty("rowcount").GetInt32());
        Assert.Equal(value, result.GetProperty("data")[0].GetProperty("region").GetString());
        await AllDrawnAsync(frame.Locator(".bi-panel:not([hidden])"), 3);
        await BrowserPlatform.ScreenshotAsync(page, "dashboard-scout-filtered-by-region");
    }

    [Fact]
    public async Task A_chart_whose_column_vanished_shows_that_it_is_broken_and_why_while_the_others_draw()
    {
        var refresh = web.Services.GetRequiredService<DatasetRefresh>();
        try
        {
            await using var renamed = await ColumnRename.StartAsync(web.Scope.Postgres, "postgres", "tbwa", "ppm_expense_report", "state");
            Assert.Equal(2, (await refresh.RefreshAsync("tbwa", CancellationToken.None)).BrokenCharts.Count);
            await using var context = await web.NewContextAsync(1400, 1000);
            var page = await context.NewPageAsync();
            var site = web.Site("tbwa.localhost");
            await BrowserPlatform.SignInAsync(page, site, "admin", web.AdminPasswordOf("tbwa"));
            await page.GotoAsync($"{site}/dashboards/agency-finance");
            var frame = await EmbeddedFrameAsync(page);

            await frame.Locator("[role=tab] >> text=Expense reports").ClickAsync();
            var panel = frame.Locator(".bi-panel:not([hidden])");
            var broken = panel.Locator(".bi-card[data-state=broken]");
            await Assertions.Expect(broken).ToHaveCountAsync(2, new() { Timeout = 30_000 });
            await Assertions.Expect(broken.First).ToContainTextAsync("This chart is broken");
            await Assertions.Expect(broken.First).ToContainTextAsync("Column 'state' is no longer in dataset ppm_expense_report.");
            // The tab's charts of the other dataset draw.
            await Assertions.Expect(panel.Locator(".bi-card[data-state=ready]")).ToHaveCountAsync(2, new() { Timeout = 30_000 });
            await BrowserPlatform.ScreenshotAsync(page, "dashboard-agency-finance-broken-chart");
        }
        finally
        {
            await refresh.RefreshAsync("tbwa", CancellationToken.None);
        }
    }

    [Theory]
    [InlineData("tbwa", "agency-finance")]
    [InlineData("scout", "scout-retail-intelligence")]
    public async Task Supersets_embedded_sdk_on_another_origin_renders_our_dashboard(string tenant, string slug)
    {
        var site = web.Site($"{tenant}.localhost");
        var dashboard = (await web.Services.GetRequiredService<BiMetadata>().DashboardAsync(tenant, slug, CancellationToken.None))!;
        var password = web.Services.GetRequiredService<BiServiceAccounts>().PasswordOf(tenant);
        await using var host = await EmbeddingSite.StartAsync(site, password, dashboard.EmbeddedUuid);
        using var api = await EmbeddingSite.ServiceClientAsync(site, password);
        // The operator allows the embedding site's origin, through Superset's own endpoint.
        var allowed = await api.PutAsJsonAsync($"/api/v1/dashboard/{dashboard.Id}/embedded", new { allowed_domains = new[] { host.Origin } });
        Assert.True(allowed.IsSuccessStatusCode, await allowed.Content.ReadAsStringAsync());
        try
        {
            await using var context = await web.NewContextAsync(1300, 900);
            var page = await context.NewPageAsync();
            await page.GotoAsync(host.Origin + "/");
            var frame = await EmbeddedFrameAsync(page);
            Assert.Contains($"{site}/embedded/{dashboard.EmbeddedUuid}", frame.Url, StringComparison.Ordinal);
            // dashboardUiConfig: hideTitle, and the filter bar collapsed.
            Assert.Equal(0, await frame.Locator(".bi-title").CountAsync());
            await AllDrawnAsync(frame.Locator(".bi-panel:not([hidden])"), dashboard.Layout.Tabs[0].Charts.Count);
            // The SDK's own request for the content size (Switchboard get over the transferred port).
            var size = await page.EvaluateAsync<JsonElement>("window.embedded.getScrollSize()");
            Assert.True(size.GetProperty("height").GetDouble() > 100);
            await BrowserPlatform.ScreenshotAsync(page, $"dashboard-sdk-other-origin-{slug}");

            // A page of an origin that is not allowed gets no dashboard.
            await api.PutAsJsonAsync($"/api/v1/dashboard/{dashboard.Id}/embedded", new { allowed_domains = new[] { "erp.example.com" } });
            var refused = await context.NewPageAsync();
            var response = await refused.GotoAsync($"{site}/embedded/{dashboard.EmbeddedUuid}", new PageGotoOptions { Referer = host.Origin + "/" });
            Assert.Equal(403, response!.Status);
        }
        finally
        {
            await api.PutAsJsonAsync($"/api/v1/dashboard/{dashboard.Id}/embedded", new { allowed_domains = dashboard.AllowedDomains });
        }
    }

    private static async Task<IFrame> EmbeddedFrameAsync(IPage page)
    {
        var frameElement = await page.WaitForSelectorAsync("iframe[src*='/embedded/']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        var frame = await frameElement!.ContentFrameAsync();
        Assert.NotNull(frame);
        await frame!.WaitForSelectorAsync(".bi-card");
        return frame;
    }

    /// <summary>Waits until <paramref name="panel"/> shows its <paramref name="count"/> charts and each has finished, asserts each drew data; the count.</summary>
    private static async Task<int> AllDrawnAsync(ILocator panel, int count)
    {
        var cards = panel.Locator(".bi-card");
        await Assertions.Expect(cards).ToHaveCountAsync(count, new() { Timeout = 30_000 });
        await Assertions.Expect(panel.Locator(".bi-card[data-state=loading], .bi-card[data-state=idle]")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        for (var i = 0; i < count; i++)
        {
            var card = cards.Nth(i);
            var state = await card.GetAttributeAsync("data-state");
            var name = await card.Locator("h2, h3, .bi-card-heading").First.TextContentAsync();
            Assert.True(state == "ready", $"chart '{name?.Trim()}' is {state}");
        }
        return count;
    }

    /// <summary>
    /// A plain site on another origin that embeds our dashboard exactly as Superset's documentation shows: its page
    /// loads the SDK and calls <c>embedDashboard</c>; its back end gets the guest token through login, csrf_token and
    /// guest_token.
    /// </summary>
    private sealed class EmbeddingSite(WebApplication app, string origin) : IAsyncDisposable
    {
        public string Origin { get; } = origin;

        public static async Task<EmbeddingSite> StartAsync(string biSite, string password, Guid embeddedUuid)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            app.MapGet("/", () => Results.Content($$"""
                <!DOCTYPE html>
                <html><head><meta charset="utf-8"><title>Partner portal</title>
                <script src="{{biSite}}/assets/vendor/superset-embedded-sdk.js"></script>
                <style>#dashboard { height: 760px } #dashboard iframe { width: 100%; height: 100%; border: 0 }</style></head>
                <body><h1>Partner portal</h1><div id="dashboard"></div>
                <script>
                  supersetEmbeddedSdk.embedDashboard({
                    id: "{{embeddedUuid}}",
                    supersetDomain: "{{biSite}}",
                    mountPoint: document.getElementById("dashboard"),
                    fetchGuestToken: () => fetch("/guest-token").then(r => r.json()).then(j => j.token),
                    dashboardUiConfig: { hideTitle: true, filters: { expanded: false } },
                  }).then(d => { window.embedded = d; });
                </script></body></html>
                """, "text/html"));
            app.MapGet("/guest-token", async () =>
            {
                using var client = await ServiceClientAsync(biSite, password);
                var response = await client.PostAsJsonAsync("/api/v1/security/guest_token/", new
                {
                    user = new { username = "partner", first_name = "Partner", last_name = "Viewer" },
                    resources = new[] { new { type = "dashboard", id = embeddedUuid.ToString() } },
                    rls = Array.Empty<object>(),
                });
                response.EnsureSuccessStatusCode();
                return Results.Content(await response.Content.ReadAsStringAsync(), "application/json");
            });
            await app.StartAsync();
            return new EmbeddingSite(app, app.Urls.Single());
        }

        /// <summary>Signed in as the tenant's service account (login → access token → CSRF token), as a tenant's back end does.</summary>
        public static async Task<HttpClient> ServiceClientAsync(string biSite, string password)
        {
            var handler = new SocketsHttpHandler { ConnectCallback = LoopbackHttp.ConnectAsync };
            return await BiServiceSignIn.SignInAsync(new HttpClient(handler) { BaseAddress = new Uri(biSite) }, password);
        }

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
