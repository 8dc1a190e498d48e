using System.Net;
using System.Text.RegularExpressions;
using InsightPulse.Core.Provisioning;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace InsightPulse.Web.Tests;

/// <summary>
/// One platform per test class (a class fixture): the shared test server emptied, <c>up</c> run with the seed
/// tenants provisioned, and the web runtime on it through <see cref="WebApplicationFactory{TEntryPoint}"/>, with
/// the same settings the CLI would use. Tests that change the platform undo their change.
/// </summary>
public sealed partial class WebPlatform : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private WebApplicationFactory<WebApp>? _factory;

    public PlatformScope Scope { get; private set; } = null!;

    public async Task<WebPlatform> GetAsync(PostgresFixture postgres, Func<PlatformScope, Task>? setUp = null)
    {
        await _gate.WaitAsync();
        try
        {
            if (_factory is not null) return this;
            Scope = await PlatformScope.CreateAsync(postgres);
            var steps = await Scope.UpAndProvisionAsync();
            Assert.DoesNotContain(steps, s => s.Failed);
            if (setUp is not null) await setUp(Scope);
            _factory = new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
            {
                foreach (var (key, value) in Scope.Settings) builder.UseSetting(key, value);
                builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            });
            _ = _factory.Server; // start: the role guard and the routing table run now
            return this;
        }
        finally
        {
            _gate.Release();
        }
    }

    public IServiceProvider Services => _factory!.Services;

    /// <summary>A browser-like client for <paramref name="host"/> (e.g. <c>tbwa.localhost</c>): cookies kept, redirects not followed.</summary>
    public HttpClient Client(string host) => _factory!.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri($"http://{host}"),
        AllowAutoRedirect = false,
        HandleCookies = true,
    });

    /// <summary>The seed admin's password of a tenant (generated into the scope's secrets by provisioning).</summary>
    public string AdminPasswordOf(string tenantCode) => Scope.Get<AdminPassword>().For(tenantCode).Password;

    /// <summary>Signs in as <paramref name="login"/> on <paramref name="client"/>'s host; the response of the POST.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient client, string login, string password)
    {
        var token = await FormTokenAsync(client, "/login");
        return await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = token,
            ["login"] = login,
            ["password"] = password,
        }));
    }

    /// <summary>Signs in as the tenant's admin and checks that it worked.</summary>
    public async Task<HttpClient> AdminClientAsync(string host, string tenantCode)
    {
        var client = Client(host);
        var response = await SignInAsync(client, "admin", AdminPasswordOf(tenantCode));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>The antiforgery token of the form on page <paramref name="path"/>.</summary>
    public static async Task<string> FormTokenAsync(HttpClient client, string path)
    {
        var page = await client.GetStringAsync(path);
        var match = TokenField().Match(page);
        Assert.True(match.Success, $"no form token on {path}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Posts a form from page <paramref name="formPage"/> to <paramref name="action"/> with its token.</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string formPage, string action, IDictionary<string, string> fields)
    {
        var values = new Dictionary<string, string>(fields) { ["__RequestVerificationToken"] = await FormTokenAsync(client, formPage) };
        return await client.PostAsync(action, new FormUrlEncodedContent(values));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    public async ValueTask DisposeAsync()
    {
        if (_factory is not null) await _factory.DisposeAsync();
        if (Scope is not null) await Scope.DisposeAsync();
        _gate.Dispose();
    }
}
