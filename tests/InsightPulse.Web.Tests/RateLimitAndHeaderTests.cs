using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace InsightPulse.Web.Tests;

/// <summary>Rate limits on guest tokens and the APIs (429 with Retry-After and problem details), and HSTS over HTTPS only.</summary>
[Collection(Lanes.Http)]
public sealed class RateLimitAndHeaderTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The same app with every limit at 3 a minute.</summary>
    private WebApplicationFactory<WebApp> Limited() => new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
    {
        foreach (var (key, value) in web.Scope.Settings) builder.UseSetting(key, value);
        builder.UseSetting("Web:GuestTokensPerMinute", "3");
        builder.UseSetting("Web:ApiRequestsPerMinute", "3");
    });

    private static async Task AssertLimitedAsync(Func<Task<HttpResponseMessage>> send, string what)
    {
        for (var i = 0; i < 3; i++) Assert.NotEqual((HttpStatusCode)429, (await send()).StatusCode);
        var refused = await send();
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains(what, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Guest_tokens_past_the_limit_get_429_with_retry_after()
    {
        using var limited = Limited();
        var client = limited.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://tbwa.localhost"), AllowAutoRedirect = false });
        await AssertLimitedAsync(() => client.PostAsJsonAsync("/api/v1/security/guest_token/", new { user = new { username = "x" } }), "guest-token requests");
        // The pages are not limited by it.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/login")).StatusCode);
    }

    [Fact]
    public async Task The_operator_api_past_the_limit_gets_429_with_retry_after()
    {
        using var limited = Limited();
        var client = limited.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost"), AllowAutoRedirect = false });
        await AssertLimitedAsync(() => client.GetAsync("/api/v1/tenants"), "API requests");
    }

    [Fact]
    public async Task Hsts_is_sent_over_https_only()
    {
        var https = web.Client("tbwa.localhost");
        https.BaseAddress = new Uri("https://tbwa.localhost");
        var secure = await https.GetAsync("/login");
        Assert.Equal("max-age=31536000", string.Join(",", secure.Headers.GetValues("Strict-Transport-Security")));
        var plain = await web.Client("tbwa.localhost").GetAsync("/login");
        Assert.False(plain.Headers.Contains("Strict-Transport-Security"));
        foreach (var response in new[] { secure, plain })
        {
            Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
            Assert.Contains("frame-ancestors 'self'", string.Join(",", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
        }
    }
}
