using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Api;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The seed's next tenant, <c>afc_client</c>, created with the seed's INSERT, is served at <c>afc-client.localhost</c>
/// (<see cref="TenantHosts"/>); a primary domain that is no host name is refused; the platform tenant cannot be
/// suspended from the API or the console, and the CLI resumes what the API suspended.
/// </summary>
[Collection(Lanes.Http)]
public sealed class TenantHostTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    /// <summary>The seed's troubleshooting INSERT, for its future tenant afc_client.</summary>
    public const string SeedInsert = """
        INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, active, create_date, write_date)
        VALUES ('afc_client', 'AFC client operations', 'odoo_afc_client', 'afc_client', true, NOW(), NOW());
        """;

    public async Task InitializeAsync() => await web.GetAsync(postgres, async scope =>
    {
        await using (var connection = await scope.OpenPlatformAsync()) await connection.ExecuteAsync(SeedInsert);
        await scope.Get<TenantProvisioner>().ProvisionAsync("afc_client", new TenantProvisioner.Options(), null, null, CancellationToken.None);
    });
    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient Api()
    {
        var client = web.Client("localhost");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", web.Scope.Get<ManagedCluster>().Secrets.ReadRequired(OperatorToken.SecretName));
        return client;
    }

    [Fact]
    public async Task Afc_client_is_served_at_afc_dash_client_dot_localhost_and_its_admin_signs_in_there()
    {
        var login = await web.Client("afc-client.localhost:8069").GetAsync("/login");
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        Assert.Contains("AFC client operations", await login.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var admin = await web.AdminClientAsync("afc-client.localhost", "afc_client");
        var home = await admin.GetStringAsync("/");
        Assert.Contains("data-testid=\"user-name\"", home, StringComparison.Ordinal);
        Assert.Contains("AFC client operations", home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_underscore_spelling_is_no_host_name_and_reaches_no_tenant()
    {
        var response = await web.Client("afc_client.localhost").GetAsync("/login");
        Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("AFC client operations", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_api_and_the_console_show_the_tenants_hosts_and_links_at_its_development_host()
    {
        var afc = await Api().GetFromJsonAsync<JsonElement>($"{TenantApi.Prefix}/afc_client");
        Assert.Equal(["afc-client.localhost"], afc.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()));
        Assert.Equal(["http://afc-client.localhost/"], afc.GetProperty("urls").EnumerateArray().Select(h => h.GetString()));

        var console = await web.AdminClientAsync("localhost", "platform");
        var page = await console.GetStringAsync("/console/tenants/afc_client");
        Assert.Contains("href=\"http://afc-client.localhost/\"", page, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"tenant-hosts\">afc-client.localhost<", page, StringComparison.Ordinal);
        Assert.DoesNotContain("afc_client.localhost", page, StringComparison.Ordinal);
        Assert.DoesNotContain("afc_client.localhost", await console.GetStringAsync("/console"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_primary_domain_with_an_underscore_is_refused_by_the_api_saying_why()
    {
        var response = await Api().PostAsJsonAsync(TenantApi.Prefix, new { code = "nextgen_agency", name = "NextGen Agency", primary_domain = "nextgen_agency.example.com" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("a label may hold letters, digits and '-' only", problem.GetProperty("errors").GetProperty("primary_domain")[0].GetString(), StringComparison.Ordinal);
        Assert.Null(await web.Scope.Registry.FindAsync("nextgen_agency", CancellationToken.None));
    }

    [Fact]
    public async Task The_api_refuses_to_suspend_the_platform_tenant_saying_why()
    {
        var response = await Api().PostAsync($"{TenantApi.Prefix}/platform/suspend", null);
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(TenantLifecycle.PlatformLockOut, problem.GetProperty("detail").GetString());
        Assert.Equal(TenantState.Active, (await web.Scope.Registry.GetAsync(Tenant.PlatformCode, CancellationToken.None)).State);
        Assert.Equal(HttpStatusCode.OK, (await Api().GetAsync(TenantApi.Prefix)).StatusCode);
    }

    [Fact]
    public async Task The_console_offers_no_suspend_for_the_platform_and_refuses_a_forged_one_saying_why()
    {
        var admin = await web.AdminClientAsync("localhost", "platform");
        var page = await admin.GetStringAsync("/console/tenants/platform");
        Assert.DoesNotContain("/console/tenants/platform/suspend", page, StringComparison.Ordinal);
        Assert.Contains("/console/tenants/afc_client/suspend", await admin.GetStringAsync("/console/tenants/afc_client"), StringComparison.Ordinal);

        var forged = await WebPlatform.PostFormAsync(admin, "/console/tenants/platform", "/console/tenants/platform/suspend", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, forged.StatusCode);
        Assert.Equal("/console/tenants/platform?refused=suspend", forged.Headers.Location!.OriginalString);
        var refused = await admin.GetStringAsync(forged.Headers.Location);
        Assert.Contains(System.Net.WebUtility.HtmlEncode(TenantLifecycle.PlatformLockOut), refused, StringComparison.Ordinal);
        Assert.Equal(TenantState.Active, (await web.Scope.Registry.GetAsync(Tenant.PlatformCode, CancellationToken.None)).State);
    }

    [Fact]
    public async Task A_tenant_suspended_through_the_api_is_resumed_by_the_cli_and_the_cli_refuses_the_platform()
    {
        var suspended = await Api().PostAsync($"{TenantApi.Prefix}/afc_client/suspend", null);
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        await ServerSentEventStream.EventuallyAsync(async () => (await web.Client("afc-client.localhost").GetAsync("/login")).StatusCode == HttpStatusCode.Forbidden, "afc_client 403");

        var resume = await web.Scope.CliAsync("tenant", "resume", "afc_client", "--json");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Equal("active", resume.Json().GetProperty("state").GetString());
        Assert.Equal(["afc-client.localhost"], resume.Json().GetProperty("hosts").EnumerateArray().Select(h => h.GetString()));
        await ServerSentEventStream.EventuallyAsync(async () => (await web.Client("afc-client.localhost").GetAsync("/login")).StatusCode == HttpStatusCode.OK, "afc_client serves again");

        var platform = await web.Scope.CliAsync("tenant", "suspend", "platform");
        Assert.Equal(1, platform.ExitCode);
        Assert.Contains("lock every operator out", platform.Error, StringComparison.Ordinal);
        Assert.Equal(TenantState.Active, (await web.Scope.Registry.GetAsync(Tenant.PlatformCode, CancellationToken.None)).State);
    }
}
