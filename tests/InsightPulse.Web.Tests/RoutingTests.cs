using System.Net;
using Dapper;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Tests;

/// <summary>Each request goes to its tenant by host name; hosts that are no tenant's, or tenants not Active, get their status page.</summary>
[Collection(Lanes.Http)]
public sealed class RoutingTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("localhost", "InsightPulse AI Platform")]
    [InlineData("tbwa.localhost", "TBWA Philippines")]
    [InlineData("scout.localhost:8069", "Scout Retail Intelligence")]
    [InlineData("tbwa.erp.insightpulseai.com", "TBWA Philippines")]
    [InlineData("TBWA.ERP.insightpulseai.com.", "TBWA Philippines")]
    public async Task A_tenant_host_serves_that_tenants_sign_in_page(string host, string name)
    {
        var response = await web.Client(host).GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(name, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown.example.com")]
    [InlineData("nobody.localhost")]
    [InlineData("127.0.0.1")]
    public async Task An_unknown_host_gets_a_404_that_names_no_tenant(string host)
    {
        var response = await web.Client(host).GetAsync("/");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        foreach (var tenant in await web.Scope.Registry.ListAsync(CancellationToken.None))
        {
            Assert.DoesNotContain(tenant.Code, body, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(tenant.Name, body, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task Pages_need_a_session_and_send_the_visitor_to_sign_in()
    {
        var response = await web.Client("tbwa.localhost").GetAsync("/settings/users");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/login", response.Headers.Location!.AbsolutePath);
    }

    [Fact]
    public async Task Health_and_readiness_answer_on_any_host()
    {
        Assert.Equal("ok\n", await web.Client("whatever.example").GetStringAsync("/healthz"));
        var ready = await web.Client("127.0.0.1").GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Contains("\"ready\"", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_being_provisioned_answers_503_with_retry_after_and_a_suspended_one_403()
    {
        try
        {
            await SetStateAsync("tbwa", TenantState.Provisioning);
            var provisioning = await web.Client("tbwa.localhost").GetAsync("/login");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, provisioning.StatusCode);
            Assert.True(provisioning.Headers.RetryAfter?.Delta > TimeSpan.Zero);

            await SetStateAsync("tbwa", TenantState.Active);
            await SetStateAsync("tbwa", TenantState.Suspended);
            var suspended = await web.Client("tbwa.localhost").GetAsync("/login");
            Assert.Equal(HttpStatusCode.Forbidden, suspended.StatusCode);
            Assert.Contains("suspended", await suspended.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            // Other tenants are untouched.
            Assert.Equal(HttpStatusCode.OK, (await web.Client("scout.localhost").GetAsync("/login")).StatusCode);
        }
        finally
        {
            if ((await web.Scope.Registry.GetAsync("tbwa", CancellationToken.None)).State != TenantState.Active) await SetStateAsync("tbwa", TenantState.Active);
        }
        Assert.Equal(HttpStatusCode.OK, (await web.Client("tbwa.localhost").GetAsync("/login")).StatusCode);
    }

    [Fact]
    public async Task X_forwarded_host_is_ignored_unless_the_proxy_is_trusted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/login");
        request.Headers.Add("X-Forwarded-Host", "tbwa.localhost");
        var response = await web.Client("unknown.example.com").SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Responses_carry_the_security_headers()
    {
        var response = await web.Client("tbwa.localhost").GetAsync("/login");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    /// <summary>Changes a state with SQL, as another node or an operator would, and waits for this node's table to follow (LISTEN/NOTIFY).</summary>
    private async Task SetStateAsync(string code, TenantState state)
    {
        var routes = (TenantRouteTable)web.Services.GetService(typeof(TenantRouteTable))!;
        var before = routes.Version;
        await using var connection = await web.Scope.OpenPlatformAsync();
        await connection.ExecuteAsync("UPDATE ipai_tenant SET state = @state WHERE code = @code", new { state = TenantLifecycle.ToText(state), code });
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (routes.Version == before && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.NotEqual(before, routes.Version);
    }
}
