using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Web.Api;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The web runtime over a fleet of two servers: a tenant whose database lives on a second managed cluster is routed
/// by its host to that server (sign-in, pages), whether it was there when the node started or placed there after;
/// the operator API shows and filters by each tenant's server.
/// </summary>
[Collection(Lanes.Http)]
public sealed class FleetServerWebTests(PostgresFixture postgres, WebPlatform web, SecondServer second)
    : IClassFixture<WebPlatform>, IClassFixture<SecondServer>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres, async scope =>
    {
        await second.Postgres.ResetAsync();
        await RunAsync(scope, "server", "add", "pg2", "--url", second.Postgres.Url("postgres"));
        await RunAsync(scope, "tenant", "create", "acme", "--name", "Acme", "--server", "pg2");
        await RunAsync(scope, "tenant", "provision", "acme", "--no-verify");
    });

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task RunAsync(PlatformScope scope, params string[] args)
    {
        var run = await scope.CliAsync(args);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    /// <summary>Waits until this node serves <paramref name="host"/>'s sign-in page: it hears of a registry change by notification, a moment after the commit.</summary>
    private async Task WaitServedAsync(string host)
    {
        HttpResponseMessage? response = null;
        for (var i = 0; i < 300 && response?.StatusCode != HttpStatusCode.OK; i++)
        {
            if (i > 0) await Task.Delay(100);
            response = await web.Client(host).GetAsync("/login");
        }
        Assert.Equal(HttpStatusCode.OK, response!.StatusCode);
    }

    [Fact]
    public async Task A_tenant_on_the_second_server_signs_in_and_is_served_from_there()
    {
        var client = await web.AdminClientAsync("acme.localhost", "acme");
        var home = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("Acme", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_placed_on_the_second_server_after_the_node_started_is_served_too()
    {
        await RunAsync(web.Scope, "tenant", "create", "late", "--name", "Late Corp", "--server", "pg2");
        await RunAsync(web.Scope, "tenant", "provision", "late", "--no-verify");

        await WaitServedAsync("late.localhost");
        var client = await web.AdminClientAsync("late.localhost", "late");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task A_tenant_frozen_by_a_move_answers_a_retryable_503_and_is_served_from_its_new_server_once_the_move_finishes()
    {
        await RunAsync(web.Scope, "tenant", "create", "mover", "--name", "Mover Inc", "--server", "pg2");
        await RunAsync(web.Scope, "tenant", "provision", "mover", "--no-verify");
        await WaitServedAsync("mover.localhost");
        var signedIn = await web.AdminClientAsync("mover.localhost", "mover");
        Assert.Equal(HttpStatusCode.OK, (await signedIn.GetAsync("/")).StatusCode);

        // A move killed right after the freeze: the tenant's database takes no runtime login, the registry still names pg2.
        var killed = await CliProcess.RunAsync(web.Scope.Settings, new Dictionary<string, string> { [Core.Provisioning.FaultInjection.Variable] = "move:frozen" },
            "tenant", "move", "mover", "--to", "home");
        Assert.Contains("killing the process at move:frozen", killed.Error, StringComparison.Ordinal);
        // A sign-in needs its database: a retryable 503 (the form itself too, once the node has marked the tenant unavailable).
        var client = web.Client("mover.localhost");
        var form = await client.GetAsync("/login");
        var frozen = form.StatusCode == HttpStatusCode.ServiceUnavailable ? form : await WebPlatform.SignInAsync(client, "admin", web.AdminPasswordOf("mover"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, frozen.StatusCode);
        Assert.NotNull(frozen.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await web.Client("mover.localhost").GetAsync("/login")).StatusCode);
        // The other tenants on that server are served meanwhile.
        Assert.Equal(HttpStatusCode.OK, (await (await web.AdminClientAsync("acme.localhost", "acme")).GetAsync("/")).StatusCode);

        await RunAsync(web.Scope, "tenant", "move", "mover", "--to", "home");
        // Served again once the node heard the switch and the 503's Retry-After passed.
        await WaitServedAsync("mover.localhost");
        Assert.Equal(HttpStatusCode.OK, (await (await web.AdminClientAsync("mover.localhost", "mover")).GetAsync("/")).StatusCode);
    }

    [Fact]
    public async Task The_operator_api_shows_each_tenants_server_and_filters_by_it()
    {
        var api = web.Client("localhost");
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", web.Scope.Get<ManagedCluster>().Secrets.ReadRequired(OperatorToken.SecretName));

        using var onPg2 = JsonDocument.Parse(await api.GetStringAsync($"{TenantApi.Prefix}?server=pg2"));
        Assert.Contains("acme", onPg2.RootElement.EnumerateArray().Select(t => t.GetProperty("code").GetString()));
        Assert.All(onPg2.RootElement.EnumerateArray(), t => Assert.Equal("pg2", t.GetProperty("server").GetString()));
        using var tbwa = JsonDocument.Parse(await api.GetStringAsync($"{TenantApi.Prefix}/tbwa"));
        Assert.Equal("home", tbwa.RootElement.GetProperty("server").GetString());
        var bad = await api.GetAsync($"{TenantApi.Prefix}?server=Not-A-Name");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("server", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var unknown = await api.PostAsync(TenantApi.Prefix, new StringContent("""{"code":"nowhere","name":"Nowhere","server":"pg9"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("pg9", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
