using Microsoft.Playwright;

namespace InsightPulse.Web.Tests;

/// <summary>Signing in with a real browser (Debian's Chromium) at each tenant's host, and a cookie that does not travel.</summary>
[Collection(Lanes.Browser)]
public sealed class BrowserSignInTests(PostgresFixture postgres, BrowserPlatform web) : IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("tbwa", "tbwa.localhost", "TBWA Philippines")]
    [InlineData("scout", "scout.localhost", "Scout Retail Intelligence")]
    [InlineData("platform", "localhost", "InsightPulse AI Platform")]
    public async Task The_seed_admin_signs_in_at_the_tenants_host_and_sees_where_they_are(string code, string host, string name)
    {
        await using var context = await web.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(web.Site(host) + "/");
        await page.Locator("#f-login").WaitForAsync();
        Assert.Contains("/login", page.Url, StringComparison.Ordinal);
        Assert.Equal(name, await page.TextContentAsync("[data-testid=tenant-name]"));
        await BrowserPlatform.ScreenshotAsync(page, $"login-{code}");

        await BrowserPlatform.SignInAsync(page, web.Site(host), "admin", web.AdminPasswordOf(code));

        Assert.Equal(name, await page.TextContentAsync("[data-testid=tenant-name]"));
        Assert.Equal(host, await page.TextContentAsync("[data-testid=tenant-domain]"));
        Assert.Equal("Administrator", await page.TextContentAsync("[data-testid=user-name]"));
        await BrowserPlatform.ScreenshotAsync(page, $"home-{code}");
    }

    [Fact]
    public async Task A_wrong_password_shows_the_error_on_the_sign_in_page()
    {
        await using var context = await web.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(web.Site("tbwa.localhost") + "/login");
        await page.FillAsync("#f-login", "admin");
        await page.FillAsync("#f-password", "certainly not");
        await page.ClickAsync("button[type=submit]");
        Assert.Contains("Wrong login or password.", await page.TextContentAsync("[role=alert]"), StringComparison.Ordinal);
        await BrowserPlatform.ScreenshotAsync(page, "login-wrong-password");
        await ClearFailuresAsync();
    }

    [Fact]
    public async Task The_tbwa_session_cookie_replayed_at_scout_is_refused()
    {
        await using var tbwa = await web.NewContextAsync();
        var page = await tbwa.NewPageAsync();
        await BrowserPlatform.SignInAsync(page, web.Site("tbwa.localhost"), "admin", web.AdminPasswordOf("tbwa"));
        var session = (await tbwa.CookiesAsync(web.Site("tbwa.localhost"))).Single(c => c.Name == "ipai_session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Lax, session.SameSite);
        Assert.Equal("tbwa.localhost", session.Domain); // host-only: no Domain attribute, so no other host gets it

        await using var scout = await web.NewContextAsync();
        await scout.AddCookiesAsync([new Cookie { Name = session.Name, Value = session.Value, Domain = "scout.localhost", Path = "/" }]);
        var replay = await scout.NewPageAsync();
        await replay.GotoAsync(web.Site("scout.localhost") + "/settings/users");
        await replay.Locator("#f-login").WaitForAsync();
        Assert.Contains("/login", replay.Url, StringComparison.Ordinal);
        Assert.Equal("Scout Retail Intelligence", await replay.TextContentAsync("[data-testid=tenant-name]"));
        Assert.Equal(0, await replay.Locator("[data-testid=user-name]").CountAsync());
        await BrowserPlatform.ScreenshotAsync(replay, "scout-refuses-tbwa-cookie");
    }

    [Fact]
    public async Task An_admin_disables_a_user_and_the_users_open_page_is_signed_out()
    {
        var site = web.Site("tbwa.localhost");
        await using var adminContext = await web.NewContextAsync();
        var admin = await adminContext.NewPageAsync();
        await BrowserPlatform.SignInAsync(admin, site, "admin", web.AdminPasswordOf("tbwa"));
        await admin.GotoAsync(site + "/settings/users");
        await admin.FillAsync("#f-login", "browser-user");
        await admin.FillAsync("#f-name", "Browser User");
        await admin.FillAsync("#f-password", "browser user password");
        await admin.ClickAsync("form.card button[type=submit]");
        Assert.Contains("created", await admin.TextContentAsync("[role=status]"), StringComparison.Ordinal);

        await using var userContext = await web.NewContextAsync();
        var user = await userContext.NewPageAsync();
        await BrowserPlatform.SignInAsync(user, site, "browser-user", "browser user password");
        Assert.Equal("Browser User", await user.TextContentAsync("[data-testid=user-name]"));

        var row = admin.Locator("tr", new PageLocatorOptions { HasText = "browser-user" });
        await row.Locator("button", new LocatorLocatorOptions { HasText = "Disable" }).ClickAsync();
        Assert.Contains("browser-user disabled", await admin.TextContentAsync("[role=status]"), StringComparison.Ordinal);
        await BrowserPlatform.ScreenshotAsync(admin, "users-disabled");

        await user.ReloadAsync();
        await user.Locator("#f-login").WaitForAsync();
        Assert.Contains("/login", user.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_home_page_fits_a_phone()
    {
        await using var context = await web.NewContextAsync(390, 844);
        var page = await context.NewPageAsync();
        await BrowserPlatform.SignInAsync(page, web.Site("tbwa.localhost"), "admin", web.AdminPasswordOf("tbwa"));
        var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        Assert.True(width <= 390, $"the page is {width}px wide on a 390px screen");
        await BrowserPlatform.ScreenshotAsync(page, "home-tbwa-phone");
    }

    private async Task ClearFailuresAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(web.Scope.Postgres.ConnectionString("odoo_tbwa"));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("UPDATE res_users SET failed_login_count = 0, locked_until = NULL", connection);
        await command.ExecuteNonQueryAsync();
    }
}
