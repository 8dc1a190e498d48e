using Dapper;
using InsightPulse.Core.Provisioning;
using Microsoft.Playwright;

namespace InsightPulse.Web.Tests;

/// <summary>
/// A tenant whose code has '_' (the seed's <c>afc_client</c>, created with the seed's INSERT) is reached in a real
/// browser at <c>afc-client.localhost</c>, where the console links it. The tenant is removed at the end: the browser
/// lane shares its platform.
/// </summary>
[Collection(Lanes.Browser)]
public sealed class BrowserTenantHostTests(PostgresFixture postgres, BrowserPlatform web) : IAsyncLifetime
{
    private const string Code = "afc_client";

    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_admin_of_afc_client_signs_in_at_afc_dash_client_dot_localhost_linked_from_the_console()
    {
        try
        {
            await using (var connection = await web.Scope.OpenPlatformAsync()) await connection.ExecuteAsync(TenantHostTests.SeedInsert);
            await web.Scope.Get<TenantProvisioner>().ProvisionAsync(Code, new TenantProvisioner.Options(), null, null, CancellationToken.None);

            await using var operatorContext = await web.NewContextAsync();
            var console = await operatorContext.NewPageAsync();
            var platform = web.Site("localhost");
            await BrowserPlatform.SignInAsync(console, platform, "admin", web.AdminPasswordOf("platform"));
            await console.GotoAsync(platform + "/console/tenants/afc_client");
            var site = web.Site("afc-client.localhost");
            Assert.Equal(site + "/", await console.Locator("dd a[target=_blank]").First.GetAttributeAsync("href"));
            Assert.Equal("afc-client.localhost", await console.TextContentAsync("[data-testid=tenant-hosts]"));

            await using var tenantContext = await web.NewContextAsync();
            var page = await tenantContext.NewPageAsync();
            // The routing table follows the registry over LISTEN/NOTIFY: the site answers once it saw the tenant active.
            var deadline = DateTime.UtcNow.AddSeconds(15);
            IResponse? response;
            do
            {
                response = await page.GotoAsync(site + "/");
                if (response?.Status == 200) break;
                await Task.Delay(100);
            }
            while (DateTime.UtcNow < deadline);
            await page.Locator("#f-login").WaitForAsync();
            Assert.Equal("AFC client operations", await page.TextContentAsync("[data-testid=tenant-name]"));

            await BrowserPlatform.SignInAsync(page, site, "admin", web.AdminPasswordOf(Code));
            Assert.Equal("AFC client operations", await page.TextContentAsync("[data-testid=tenant-name]"));
            Assert.Equal("afc-client.localhost", await page.TextContentAsync("[data-testid=tenant-domain]"));
            await BrowserPlatform.ScreenshotAsync(page, "home-afc-client");
        }
        finally
        {
            if (await web.Scope.Registry.FindAsync(Code, CancellationToken.None) is not null)
            {
                await web.Scope.Get<TenantArchiver>().DeprovisionAsync(Code, null, CancellationToken.None);
                await web.Scope.Registry.DeleteAsync(Code, CancellationToken.None);
            }
        }
    }
}
