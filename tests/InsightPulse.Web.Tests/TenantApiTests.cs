using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Web.Api;

namespace InsightPulse.Web.Tests;

/// <summary>/api/v1/tenants: operator bearer token, platform host only, registry validation, provisioning in the background, suspend/resume, OpenAPI.</summary>
[Collection(Lanes.Http)]
public sealed class TenantApiTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    private static readonly TimeSpan ProvisioningBudget = TimeSpan.FromMinutes(3);

    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    private string Token => web.Scope.Get<ManagedCluster>().Secrets.ReadRequired(OperatorToken.SecretName);

    private HttpClient Api(string host = "localhost")
    {
        var client = web.Client(host);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    [Fact]
    public async Task The_list_pages_with_a_total_and_a_next_link_and_filters_by_state_module_and_text()
    {
        var api = Api();

        var first = await api.GetAsync($"{TenantApi.Prefix}?limit=2");
        var second = await api.GetAsync(first.Headers.GetValues("Link").Single().Split('>')[0].TrimStart('<'));
        var finance = await api.GetAsync($"{TenantApi.Prefix}?module=ipai_finance_ppm&state=active");
        var text = await api.GetAsync($"{TenantApi.Prefix}?q=philippines");
        var wrong = await api.GetAsync($"{TenantApi.Prefix}?state=gone&limit=5000&offset=-1");
        var all = await api.GetAsync($"{TenantApi.Prefix}?limit=1000");

        static async Task<string[]> Codes(HttpResponseMessage response) =>
            [.. JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.EnumerateArray().Select(t => t.GetProperty("code").GetString()!)];
        var total = int.Parse(first.Headers.GetValues("X-Total-Count").Single(), System.Globalization.CultureInfo.InvariantCulture);
        var every = await Codes(all);
        Assert.True(total >= 3 && total == every.Length, $"{total}");
        Assert.Equal(every[..2], await Codes(first));
        Assert.Contains("rel=\"next\"", first.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        Assert.Contains("limit=2", first.Headers.GetValues("Link").Single(), StringComparison.Ordinal);
        Assert.Equal(every[2], (await Codes(second))[0]);
        Assert.Equal(total.ToString(System.Globalization.CultureInfo.InvariantCulture), second.Headers.GetValues("X-Total-Count").Single());
        Assert.Contains("tbwa", await Codes(finance));
        Assert.DoesNotContain("platform", await Codes(finance));
        Assert.Contains("tbwa", await Codes(text));
        Assert.DoesNotContain("scout", await Codes(text));
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var errors = JsonDocument.Parse(await wrong.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");
        Assert.Equal(["limit", "offset", "state"], errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Without_a_token_or_with_a_wrong_one_the_api_answers_401_with_a_bearer_challenge()
    {
        var anonymous = web.Client("localhost");
        var wrong = web.Client("localhost");
        wrong.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token + "x");
        foreach (var client in new[] { anonymous, wrong })
        {
            var response = await client.GetAsync(TenantApi.Prefix);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.OK, (await Api().GetAsync(TenantApi.Prefix)).StatusCode);
    }

    [Fact]
    public async Task A_signed_in_platform_admin_cookie_is_no_api_credential()
    {
        var admin = await web.AdminClientAsync("localhost", "platform");
        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.GetAsync(TenantApi.Prefix)).StatusCode);
    }

    [Fact]
    public async Task The_operator_token_secret_is_readable_by_its_owner_only()
    {
        var path = web.Scope.Get<ManagedCluster>().Secrets.PathOf(OperatorToken.SecretName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("tbwa.localhost")]
    [InlineData("scout.localhost")]
    public async Task The_api_and_its_document_are_not_served_on_a_tenant_host(string host)
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Api(host).GetAsync(TenantApi.Prefix)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await web.Client(host).GetAsync(TenantApi.OpenApiPath)).StatusCode);
    }

    [Fact]
    public async Task The_list_shows_every_tenant_in_snake_case_with_its_stores_and_last_run()
    {
        var tenants = await Api().GetFromJsonAsync<JsonElement>(TenantApi.Prefix);
        var tbwa = tenants.EnumerateArray().Single(t => t.GetProperty("code").GetString() == "tbwa");
        Assert.Equal("active", tbwa.GetProperty("state").GetString());
        Assert.Equal("odoo_tbwa", tbwa.GetProperty("db_name").GetString());
        Assert.Equal("tbwa", tbwa.GetProperty("supabase_schema").GetString());
        Assert.Contains(tbwa.GetProperty("urls").EnumerateArray(), u => u.GetString() == "http://tbwa.localhost/");
        var steps = tbwa.GetProperty("last_run").GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("step").GetString()!).ToList();
        Assert.Equal(TenantProvisioner.StepNames, steps);
        Assert.Contains(tenants.EnumerateArray(), t => t.GetProperty("code").GetString() == "platform");
    }

    [Fact]
    public async Task An_invalid_tenant_is_refused_with_the_registrys_field_errors()
    {
        var response = await Api().PostAsJsonAsync(TenantApi.Prefix, new { code = "Bad Code", name = "", admin_email = "nope" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var errors = problem.GetProperty("errors");
        Assert.Equal(Core.Tenants.TenantRules.CodeError("Bad Code"), errors.GetProperty("code")[0].GetString());
        Assert.True(errors.TryGetProperty("name", out _));
        Assert.True(errors.TryGetProperty("admin_email", out _));
        Assert.Null(await web.Scope.Registry.FindAsync("Bad Code", CancellationToken.None));
    }

    [Fact]
    public async Task An_unknown_tenant_is_a_404_problem()
    {
        var response = await Api().GetAsync($"{TenantApi.Prefix}/nobody");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, (await Api().PostAsync($"{TenantApi.Prefix}/nobody/provision", null)).StatusCode);
    }

    [Fact]
    public async Task A_tenant_created_and_provisioned_through_the_api_serves_its_site_streams_its_steps_and_suspends_and_resumes()
    {
        var api = Api();
        var created = await api.PostAsJsonAsync(TenantApi.Prefix, new { code = "acme", name = "Acme Corp", industry = "retail", admin_email = "ops@acme.example.com" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("draft", (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());

        var accepted = await api.PostAsync($"{TenantApi.Prefix}/acme/provision", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal($"{TenantApi.Prefix}/acme/runs/latest", accepted.Headers.Location?.OriginalString);
        var events = await ServerSentEventStream.ReadAsync(api, $"{TenantApi.Prefix}/acme/events", ProvisioningBudget);
        Assert.Equal(TenantProvisioner.StepNames, events.Where(e => e.Event == "step").Select(e => e.Data.GetProperty("step").GetString()!));
        Assert.All(events.Where(e => e.Event == "step"), e => Assert.True(e.Data.GetProperty("milliseconds").GetInt64() >= 0));
        var last = events[^1];
        Assert.Equal("state", last.Event);
        Assert.Equal("active", last.Data.GetProperty("state").GetString());
        Assert.Equal("succeeded", last.Data.GetProperty("outcome").GetString());

        await ServerSentEventStream.EventuallyAsync(async () =>
            (await api.GetFromJsonAsync<JsonElement>($"{TenantApi.Prefix}/acme")).GetProperty("state").GetString() == "active", "acme active");
        var run = await api.GetFromJsonAsync<JsonElement>($"{TenantApi.Prefix}/acme/runs/latest");
        Assert.Equal("succeeded", run.GetProperty("outcome").GetString());

        var site = web.Client("acme.localhost");
        await ServerSentEventStream.EventuallyAsync(async () => (await site.GetAsync("/login")).StatusCode == HttpStatusCode.OK, "acme.localhost serves");
        Assert.Contains("Acme Corp", await site.GetStringAsync("/login"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(site, "admin", web.AdminPasswordOf("acme"))).StatusCode);

        var suspended = await api.PostAsync($"{TenantApi.Prefix}/acme/suspend", null);
        Assert.Equal(HttpStatusCode.OK, suspended.StatusCode);
        Assert.Equal("suspended", (await suspended.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        await ServerSentEventStream.EventuallyAsync(async () => (await web.Client("acme.localhost").GetAsync("/login")).StatusCode == HttpStatusCode.Forbidden, "acme.localhost 403");
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{TenantApi.Prefix}/acme/provision", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"{TenantApi.Prefix}/acme/suspend", null)).StatusCode); // already suspended: nothing changes

        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"{TenantApi.Prefix}/acme/resume", null)).StatusCode);
        await ServerSentEventStream.EventuallyAsync(async () => (await web.Client("acme.localhost").GetAsync("/login")).StatusCode == HttpStatusCode.OK, "acme.localhost 200");
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsync($"{TenantApi.Prefix}/acme/resume", null)).StatusCode); // already active
    }

    [Fact]
    public async Task A_draft_tenant_can_be_neither_suspended_nor_resumed()
    {
        var api = Api();
        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync(TenantApi.Prefix, new { code = "drafty", name = "Drafty" })).StatusCode);
        foreach (var verb in new[] { "suspend", "resume" })
        {
            var response = await api.PostAsync($"{TenantApi.Prefix}/drafty/{verb}", null);
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        }
        Assert.Equal(Core.Tenants.TenantState.Draft, (await web.Scope.Registry.GetAsync("drafty", CancellationToken.None)).State);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_tenant_api_and_its_bearer_scheme()
    {
        var response = await web.Client("localhost").GetAsync(TenantApi.OpenApiPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var document = await response.Content.ReadFromJsonAsync<JsonElement>();
        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/tenants", paths);
        Assert.Contains("/api/v1/tenants/{code}/provision", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/console", StringComparison.Ordinal) || p == "/login");
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty(BearerSecurityScheme.Name);
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
    }
}
