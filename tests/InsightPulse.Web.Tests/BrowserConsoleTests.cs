using Microsoft.Playwright;

namespace InsightPulse.Web.Tests;

/// <summary>An operator creates and provisions a tenant from the console in a real browser, then its admin signs in at its domain.</summary>
[Collection(Lanes.Browser)]
public sealed class BrowserConsoleTests(PostgresFixture postgres, BrowserPlatform web) : IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_operator_creates_and_provisions_a_tenant_and_its_admin_signs_in_at_its_domain()
    {
        await using var operatorContext = await web.NewContextAsync();
        var console = await operatorContext.NewPageAsync();
        var platform = web.Site("localhost");
        await BrowserPlatform.SignInAsync(console, platform, "admin", web.AdminPasswordOf("platform"));
        await console.GotoAsync(platform + "/console");
        Assert.Equal(3, await console.Locator("[data-testid=tenants] tbody tr").CountAsync());
        await BrowserPlatform.ScreenshotAsync(console, "console-tenants");

        await console.GotoAsync(platform + "/console/tenants/new");
        await console.FillAsync("#f-code", "9lives");
        await console.FillAsync("#f-name", "Nine Lives");
        await console.ClickAsync("main button[type=submit]");
        Assert.True(await console.Locator("#f-code-error").IsVisibleAsync());
        await BrowserPlatform.ScreenshotAsync(console, "console-new-tenant-invalid");

        await console.FillAsync("#f-code", "delta");
        await console.FillAsync("#f-name", "Delta Creative Manila");
        await console.FillAsync("#f-admin_email", "ops@delta.example");
        await console.ClickAsync("main button[type=submit]");
        // The tenant's page, known by its state (a wait for the URL could begin after the navigation committed).
        await console.Locator("[data-testid=tenant-state]").WaitForAsync();
        Assert.Contains("/console/tenants/delta", console.Url, StringComparison.Ordinal);
        Assert.Equal("draft", await console.TextContentAsync("[data-testid=tenant-state]"));

        await console.ClickAsync("button:has-text('Provision')");
        // The steps arrive live (server-sent events) and the state turns active without a reload.
        await console.Locator("[data-testid=tenant-state]").Filter(new() { HasText = "active" }).WaitForAsync(new() { Timeout = 60_000 });
        var steps = await console.Locator("[data-testid=provision-steps] li[data-step]").EvaluateAllAsync<string[]>("items => items.map(i => i.getAttribute('data-step'))");
        Assert.Equal(["record", "schema", "database", "modules", "isolation", "admin", "bi_workspace", "active"], steps);
        Assert.Contains("succeeded", await console.TextContentAsync("[data-testid=run-summary]"), StringComparison.Ordinal);
        await BrowserPlatform.ScreenshotAsync(console, "console-tenant-provisioned");

        await using var tenantContext = await web.NewContextAsync();
        var site = await tenantContext.NewPageAsync();
        await BrowserPlatform.SignInAsync(site, web.Site("delta.localhost"), "admin", web.AdminPasswordOf("delta"));
        Assert.Equal("Delta Creative Manila", await site.TextContentAsync("[data-testid=tenant-name]"));
        Assert.Equal("delta.localhost", await site.TextContentAsync("[data-testid=tenant-domain]"));
        await BrowserPlatform.ScreenshotAsync(site, "home-delta");

        // Suspended from the console: the tenant's site says so.
        await console.GotoAsync(platform + "/console/tenants/delta");
        await console.ClickAsync("button:has-text('Suspend')");
        Assert.Equal("suspended", await console.TextContentAsync("[data-testid=tenant-state]"));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        int status;
        do
        {
            status = (await site.GotoAsync(web.Site("delta.localhost") + "/"))!.Status;
        }
        while (status != 403 && DateTime.UtcNow < deadline);
        Assert.Equal(403, status);
        await BrowserPlatform.ScreenshotAsync(site, "delta-suspended");
    }
}
