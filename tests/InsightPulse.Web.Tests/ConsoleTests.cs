using System.Net;
using System.Text.RegularExpressions;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace InsightPulse.Web.Tests;

/// <summary>/console: platform admins only, on the platform host only; tenant list, create with validation, provisioning followed live, suspend/resume.</summary>
[Collection(Lanes.Http)]
public sealed class ConsoleTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_anonymous_visitor_is_sent_to_sign_in()
    {
        var response = await web.Client("localhost").GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/login", response.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/console")]
    [InlineData("/console/tenants/new")]
    [InlineData("/api/v1/tenants")]
    [InlineData("/api/v1/openapi.json")]
    public async Task On_a_tenants_host_the_console_and_api_do_not_exist_even_for_anonymous_visitors(string path)
    {
        var response = await web.Client("tbwa.localhost").GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.False(response.Headers.Contains("WWW-Authenticate"));
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task A_tenant_admin_is_refused_the_console_on_their_host_and_on_the_platforms()
    {
        var tbwa = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        Assert.Equal(HttpStatusCode.NotFound, (await tbwa.GetAsync("/console")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tbwa.GetAsync("/console/tenants/tbwa")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await tbwa.GetAsync("/console/tenants/tbwa/events")).StatusCode);

        // Its session cookie replayed at the platform's host is no session there.
        var response = await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "admin", web.AdminPasswordOf("tbwa"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ipai_session=", StringComparison.Ordinal)).Split(';')[0];
        var platform = web.Client("localhost");
        platform.DefaultRequestHeaders.Add("Cookie", cookie);
        var refused = await platform.GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, refused.StatusCode);
        Assert.StartsWith("/login", refused.Headers.Location!.AbsolutePath, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_console_list_searches_filters_by_state_and_pages()
    {
        var admin = await web.AdminClientAsync("localhost", "platform");

        var search = WebUtility.HtmlDecode(await admin.GetStringAsync("/console?q=TBWA"));
        var active = WebUtility.HtmlDecode(await admin.GetStringAsync("/console?state=active"));
        var beyond = WebUtility.HtmlDecode(await admin.GetStringAsync("/console?offset=100000"));
        // A filter that is not understood is a bad request (400), on the same page listing every tenant.
        var refusedResponse = await admin.GetAsync("/console?state=gone");
        Assert.Equal(HttpStatusCode.BadRequest, refusedResponse.StatusCode);
        var refused = WebUtility.HtmlDecode(await refusedResponse.Content.ReadAsStringAsync());

        Assert.Contains("data-tenant=\"tbwa\"", search, StringComparison.Ordinal);
        Assert.DoesNotContain("data-tenant=\"scout\"", search, StringComparison.Ordinal);
        Assert.Contains("value=\"TBWA\"", search, StringComparison.Ordinal); // the search box keeps what was typed
        Assert.Contains("data-tenant=\"scout\"", active, StringComparison.Ordinal);
        Assert.Contains("<option value=\"active\" selected>", active, StringComparison.Ordinal);
        Assert.DoesNotContain("data-tenant=", beyond, StringComparison.Ordinal);
        Assert.Contains("rel=\"prev\"", beyond, StringComparison.Ordinal);
        Assert.Contains("That filter was not understood", refused, StringComparison.Ordinal);
        Assert.Contains("data-tenant=\"tbwa\"", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_console_lists_every_tenant_with_state_domain_stores_server_and_last_run_step_times()
    {
        var admin = await web.AdminClientAsync("localhost", "platform");
        var page = WebUtility.HtmlDecode(await admin.GetStringAsync("/console"));
        foreach (var code in new[] { "platform", "tbwa", "scout" })
        {
            var row = Row(page, code);
            Assert.Contains("badge active", row, StringComparison.Ordinal);
            Assert.Contains(code == "platform" ? "href=\"http://localhost/\"" : $"href=\"http://{code}.localhost/\"", row, StringComparison.Ordinal);
            Assert.Contains("server home", row, StringComparison.Ordinal);
            Assert.Matches(@"<span>record <b>\d+</b></span><span>schema <b>\d+</b></span>", row);
        }
        Assert.Contains("odoo_tbwa", Row(page, "tbwa"), StringComparison.Ordinal);
        Assert.Contains("tbwa.erp.insightpulseai.com", Row(page, "tbwa"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_a_tenant_with_an_invalid_code_shows_the_registrys_message_next_to_the_field()
    {
        var admin = await web.AdminClientAsync("localhost", "platform");
        var response = await WebPlatform.PostFormAsync(admin, "/console/tenants/new", "/console/tenants/new",
            new Dictionary<string, string> { ["code"] = "9lives", ["name"] = "Nine Lives", ["country"] = "PH", ["industry"] = "retail" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
        Assert.Contains($"<small class=\"error\" id=\"f-code-error\">{TenantRules.CodeError("9lives")}</small>", page, StringComparison.Ordinal);
        Assert.Contains("value=\"Nine Lives\"", page, StringComparison.Ordinal);
        Assert.Null(await web.Scope.Registry.FindAsync("9lives", CancellationToken.None));
    }

    [Fact]
    public async Task A_form_without_its_antiforgery_token_is_refused()
    {
        var admin = await web.AdminClientAsync("localhost", "platform");
        var response = await admin.PostAsync("/console/tenants/tbwa/suspend", new FormUrlEncodedContent(new Dictionary<string, string>()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(TenantState.Active, (await web.Scope.Registry.GetAsync("tbwa", CancellationToken.None)).State);
    }

    [Fact]
    public async Task A_tenant_created_in_the_console_is_provisioned_from_its_page_with_live_steps_then_suspended_and_resumed()
    {
        var admin = await web.AdminClientAsync("localhost", "platform");
        var created = await WebPlatform.PostFormAsync(admin, "/console/tenants/new", "/console/tenants/new", new Dictionary<string, string>
        {
            ["code"] = "beta", ["name"] = "Beta Stores", ["primary_domain"] = "beta.example.com", ["industry"] = "retail", ["country"] = "PH",
            ["admin_email"] = "it@beta.example.com",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal("/console/tenants/beta?created=1", created.Headers.Location!.OriginalString);
        var draft = await admin.GetStringAsync("/console/tenants/beta");
        Assert.Contains("data-testid=\"tenant-state\" class=\"badge draft\">draft<", draft, StringComparison.Ordinal);

        var started = await WebPlatform.PostFormAsync(admin, "/console/tenants/beta", "/console/tenants/beta/provision", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        Assert.Equal("/console/tenants/beta", started.Headers.Location!.OriginalString);
        var live = await admin.GetStringAsync("/console/tenants/beta");
        Assert.Contains("src=\"/assets/console.js\"", live, StringComparison.Ordinal);

        var events = await ServerSentEventStream.ReadAsync(admin, "/console/tenants/beta/events", TimeSpan.FromMinutes(3));
        Assert.Equal(TenantProvisioner.StepNames, events.Where(e => e.Event == "step").Select(e => e.Data.GetProperty("step").GetString()!));
        Assert.Equal("state", events[^1].Event);
        Assert.Equal("active", events[^1].Data.GetProperty("state").GetString());

        var done = await admin.GetStringAsync("/console/tenants/beta");
        Assert.Contains("data-testid=\"tenant-state\" class=\"badge active\">active<", done, StringComparison.Ordinal);
        foreach (var step in TenantProvisioner.StepNames) Assert.Contains($"data-step=\"{step}\" data-outcome=\"", done, StringComparison.Ordinal);
        Assert.Contains("href=\"http://beta.example.com/\"", done, StringComparison.Ordinal);
        Assert.Contains("href=\"http://beta.localhost/\"", done, StringComparison.Ordinal);
        await ServerSentEventStream.EventuallyAsync(async () => (await web.Client("beta.localhost").GetAsync("/login")).StatusCode == HttpStatusCode.OK, "beta serves");

        var suspend = await WebPlatform.PostFormAsync(admin, "/console/tenants/beta", "/console/tenants/beta/suspend", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, suspend.StatusCode);
        Assert.Equal(TenantState.Suspended, (await web.Scope.Registry.GetAsync("beta", CancellationToken.None)).State);
        await ServerSentEventStream.EventuallyAsync(async () => (await web.Client("beta.localhost").GetAsync("/login")).StatusCode == HttpStatusCode.Forbidden, "beta 403");

        var refused = await WebPlatform.PostFormAsync(admin, "/console/tenants/beta", "/console/tenants/beta/provision", new Dictionary<string, string>());
        Assert.Equal("/console/tenants/beta?refused=provision", refused.Headers.Location!.OriginalString);
        Assert.Contains("resume it first", await admin.GetStringAsync(refused.Headers.Location), StringComparison.Ordinal);

        var resume = await WebPlatform.PostFormAsync(admin, "/console/tenants/beta", "/console/tenants/beta/resume", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, resume.StatusCode);
        await ServerSentEventStream.EventuallyAsync(async () => (await web.Client("beta.localhost").GetAsync("/login")).StatusCode == HttpStatusCode.OK, "beta serves again");
    }

    [Fact]
    public async Task The_console_script_is_served_and_follows_the_event_stream()
    {
        var response = await web.Client("localhost").GetAsync("/assets/console.js");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var script = await response.Content.ReadAsStringAsync();
        Assert.Contains("new EventSource", script, StringComparison.Ordinal);
        Assert.Contains("source.close()", script, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/assets/vendor/echarts.min.js", "echarts")]
    [InlineData("/assets/vendor/superset-embedded-sdk.js", "__embedded_comms__")]
    [InlineData("/assets/bi/embedded.js", "__embedded_comms__")]
    [InlineData("/assets/bi/dashboard-host.js", "embedDashboard")]
    [InlineData("/assets/bi/bi.css", ".bi-grid")]
    public async Task The_BI_scripts_and_the_npm_libraries_are_served_from_sub_folders_of_assets(string path, string marker)
    {
        var client = web.Client("localhost");
        var response = await client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(marker, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var etag = response.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(etag);
        Assert.Equal(HttpStatusCode.NotModified, (await client.SendAsync(again)).StatusCode);
    }

    [Theory]
    [InlineData("/assets/vendor/missing.js")]
    [InlineData("/assets/vendor/echarts.js")]
    [InlineData("/assets/frontend/package.json")]
    [InlineData("/assets/InsightPulse.Web.dll")]
    [InlineData("/assets/bi/")]
    public async Task Only_embedded_asset_names_are_served(string path)
    {
        var response = await web.Client("localhost").GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static string Row(string page, string code)
    {
        var match = Regex.Match(page, $"<tr data-tenant=\"{code}\">(.*?)</tr>", RegexOptions.Singleline);
        Assert.True(match.Success, $"no row for {code}");
        return match.Groups[1].Value;
    }

    [Fact]
    public async Task The_console_runs_a_tenants_acceptance_gates_and_shows_its_last_verification()
    {
        var admin = await web.AdminClientAsync("localhost", "platform");
        Assert.Contains("Verify now", await admin.GetStringAsync("/console/tenants/tbwa"), StringComparison.Ordinal);

        var verified = await WebPlatform.PostFormAsync(admin, "/console/tenants/tbwa", "/console/tenants/tbwa/verify", new Dictionary<string, string>());

        Assert.Equal(HttpStatusCode.Redirect, verified.StatusCode);
        var page = WebUtility.HtmlDecode(await admin.GetStringAsync("/console/tenants/tbwa"));
        Assert.Matches("data-testid=\"last-verification\"><span class=\"badge active\">every gate passed</span> \\d{4}-\\d{2}-\\d{2}", page);
        var log = await web.Services.GetRequiredService<InsightPulse.Core.Verification.VerificationLog>().LastAsync(CancellationToken.None);
        Assert.True(log["tbwa"].Passed);
    }
}
