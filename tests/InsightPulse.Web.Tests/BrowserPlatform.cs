using InsightPulse.Core.Provisioning;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The web runtime on real HTTP for a real browser (a fixture of the browser lane, shared by its classes): the
/// platform with its seed tenants provisioned, the app on Kestrel at 127.0.0.1 on a free port, built as
/// <c>./ipai serve</c> builds it, and Debian's Chromium
/// (<c>/usr/bin/chromium</c>, never a downloaded browser) driven by Playwright. Chromium sends <c>*.localhost</c> to
/// loopback, so <c>http://tbwa.localhost:PORT</c> reaches the tbwa tenant as it would after <c>make up</c>.
/// </summary>
public sealed class BrowserPlatform : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WebApplication? _app;
    private IPlaywright? _playwright;

    public PlatformScope Scope { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;
    public int Port { get; private set; }

    /// <summary>Where screenshots go: TestResults/screenshots in the checkout (kept as CI artifacts).</summary>
    public static string ScreenshotFolder { get; } = RepositoryRoot.File("TestResults", "screenshots");

    public async Task<BrowserPlatform> GetAsync(PostgresFixture postgres)
    {
        await _gate.WaitAsync();
        try
        {
            if (_app is not null) return this;
            Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: `make test` installs Debian's chromium package (scripts/ensure-deps.sh chromium).");
            Scope = await PlatformScope.CreateAsync(postgres);
            var steps = await Scope.UpAndProvisionAsync();
            Assert.DoesNotContain(steps, s => s.Failed);

            _app = InsightPulseWeb.Build(new ConfigurationBuilder().AddInMemoryCollection(Scope.Settings).Build(), "http://127.0.0.1:0", quiet: true);
            await _app.StartAsync();
            Port = new Uri(_app.Urls.Single()).Port;

            _playwright = await Playwright.CreateAsync();
            Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--host-resolver-rules=MAP *.localhost 127.0.0.1, MAP localhost 127.0.0.1"],
            });
            Directory.CreateDirectory(ScreenshotFolder);
            return this;
        }
        finally
        {
            _gate.Release();
        }
    }

    public IServiceProvider Services => _app!.Services;

    /// <summary>The address of a tenant's site as a user types it, e.g. <c>http://tbwa.localhost:PORT</c>.</summary>
    public string Site(string host) => $"http://{host}:{Port}";

    public string AdminPasswordOf(string tenantCode) => Scope.Get<AdminPassword>().For(tenantCode).Password;

    /// <summary>A fresh browser context (its own cookies), laptop-sized unless told otherwise.</summary>
    public Task<IBrowserContext> NewContextAsync(int width = 1280, int height = 800) =>
        Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });

    /// <summary>Signs in on the page's site through the sign-in form and checks that it landed on the home page.</summary>
    public static async Task SignInAsync(IPage page, string site, string login, string password)
    {
        ArgumentNullException.ThrowIfNull(page);
        await page.GotoAsync(site + "/login");
        await page.FillAsync("#f-login", login);
        await page.FillAsync("#f-password", password);
        await page.ClickAsync("button[type=submit]");
        // Signed in: the header names the user (a locator waits for it; no race with the page's load event).
        await page.Locator("[data-testid=user-name]").WaitForAsync();
        Assert.Equal(site + "/", page.Url);
    }

    /// <summary>Saves a full-page screenshot as TestResults/screenshots/NAME.png.</summary>
    public static Task ScreenshotAsync(IPage page, string name)
    {
        ArgumentNullException.ThrowIfNull(page);
        return page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });
    }

    public async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Scope is not null) await Scope.DisposeAsync();
        _gate.Dispose();
    }
}
