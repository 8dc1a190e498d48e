using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Web.Bi;
using Microsoft.Extensions.DependencyInjection;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The Superset-compatible API over real HTTP: the service account's login, CSRF and guest tokens, and every data
/// path refusing each kind of bad token (expired, forged, alg none, wrong audience, wrong type) and every
/// cross-tenant attempt.
/// </summary>
[Collection(Lanes.Http)]
public sealed class GuestTokenApiTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The host's own secret: a test that knows it can sign tokens that differ from good ones in one claim only.</summary>
    private string Secret => web.Services.GetRequiredService<GuestTokenOptions>().Secret!;

    private async Task<WorkspaceDashboard> DashboardAsync(string tenant, string slug) =>
        (await web.Services.GetRequiredService<BiMetadata>().DashboardAsync(tenant, slug, CancellationToken.None))!;

    /// <summary>A client of <paramref name="host"/> signed in as <paramref name="tenant"/>'s service account, with its CSRF token.</summary>
    private Task<HttpClient> ServiceClientAsync(string host, string tenant) =>
        BiServiceSignIn.SignInAsync(web.Client(host), web.Services.GetRequiredService<BiServiceAccounts>().PasswordOf(tenant));

    private static async Task<HttpResponseMessage> GuestTokenAsync(HttpClient client, string dashboardId, string? clause = null) =>
        await client.PostAsJsonAsync("/api/v1/security/guest_token/", new
        {
            user = new { username = "viewer", first_name = "Vi", last_name = "Ewer" },
            resources = new[] { new { type = "dashboard", id = dashboardId } },
            rls = clause is null ? Array.Empty<object>() : [new { clause }],
        });

    private async Task<string> TokenAsync(string host, string tenant, string dashboardId, string? clause = null)
    {
        var response = await GuestTokenAsync(await ServiceClientAsync(host, tenant), dashboardId, clause);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private HttpClient Guest(string host, string token)
    {
        var client = web.Client(host);
        client.DefaultRequestHeaders.Add("X-GuestToken", token);
        return client;
    }

    [Fact]
    public async Task The_service_account_signs_in_with_its_password_only_and_needs_the_csrf_token()
    {
        var client = web.Client("tbwa.localhost");
        var wrong = await client.PostAsJsonAsync("/api/v1/security/login", new { username = BiServiceAccount.Username, password = "nope", provider = "db" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        // tbwa's password at scout's host: another tenant's account.
        var password = web.Services.GetRequiredService<BiServiceAccounts>().PasswordOf("tbwa");
        var elsewhere = await web.Client("scout.localhost").PostAsJsonAsync("/api/v1/security/login", new { username = BiServiceAccount.Username, password, provider = "db" });
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode);

        var service = await ServiceClientAsync("tbwa.localhost", "tbwa");
        service.DefaultRequestHeaders.Remove("X-CSRFToken");
        var noCsrf = await GuestTokenAsync(service, "agency-finance");
        Assert.Equal(HttpStatusCode.BadRequest, noCsrf.StatusCode);
        var anonymous = await GuestTokenAsync(web.Client("tbwa.localhost"), "agency-finance");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task A_guest_token_has_supersets_claims_and_opens_its_dashboard_and_charts()
    {
        var dashboard = await DashboardAsync("tbwa", "agency-finance");
        var token = await TokenAsync("tbwa.localhost", "tbwa", dashboard.EmbeddedUuid.ToString());

        var parts = token.Split('.');
        var header = JsonDocument.Parse(Base64UrlDecode(parts[0])).RootElement;
        var claims = JsonDocument.Parse(Base64UrlDecode(parts[1])).RootElement;
        Assert.Equal("HS256", header.GetProperty("alg").GetString());
        Assert.Equal("guest", claims.GetProperty("type").GetString());
        Assert.Equal("viewer", claims.GetProperty("user").GetProperty("username").GetString());
        Assert.Equal(dashboard.EmbeddedUuid.ToString(), claims.GetProperty("resources")[0].GetProperty("id").GetString());
        Assert.Equal(300, claims.GetProperty("exp").GetDouble() - claims.GetProperty("iat").GetDouble(), 0);
        Assert.True(claims.TryGetProperty("aud", out _) && claims.TryGetProperty("rls_rules", out _));

        var guest = Guest("tbwa.localhost", token);
        var definition = await guest.GetFromJsonAsync<JsonElement>($"/api/v1/dashboard/{dashboard.EmbeddedUuid}");
        Assert.Equal("Agency finance", definition.GetProperty("result").GetProperty("dashboard_title").GetString());
        var chart = definition.GetProperty("result").GetProperty("charts")[0].GetProperty("id").GetInt64();
        var data = await guest.PostAsJsonAsync("/api/v1/chart/data", new { dashboard_id = dashboard.Id, chart_id = chart });
        Assert.Equal(HttpStatusCode.OK, data.StatusCode);
        Assert.True((await data.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result")[0].TryGetProperty("colnames", out _));
        var csv = await guest.GetAsync($"/api/v1/chart/{chart}/data?format=csv&dashboard_id={dashboard.Id}");
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task A_tbwa_account_asking_for_a_scout_dashboard_gets_403_and_a_tbwa_token_opens_nothing_at_scout()
    {
        var scout = await DashboardAsync("scout", "scout-retail-intelligence");
        var refused = await GuestTokenAsync(await ServiceClientAsync("tbwa.localhost", "tbwa"), scout.EmbeddedUuid.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        var tbwa = await DashboardAsync("tbwa", "agency-finance");
        var token = await TokenAsync("tbwa.localhost", "tbwa", tbwa.EmbeddedUuid.ToString());
        var atScout = Guest("scout.localhost", token);
        Assert.Equal(HttpStatusCode.Forbidden, (await atScout.GetAsync($"/api/v1/dashboard/{tbwa.EmbeddedUuid}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await atScout.GetAsync($"/api/v1/dashboard/{scout.EmbeddedUuid}")).StatusCode);
        // A chart of another dashboard (scout's) through tbwa's granted dashboard id.
        var scoutChart = (await web.Services.GetRequiredService<BiMetadata>().ChartsAsync("scout", scout.Id, CancellationToken.None))[0];
        var crossChart = await Guest("tbwa.localhost", token).PostAsJsonAsync("/api/v1/chart/data", new { dashboard_id = tbwa.Id, chart_id = scoutChart.Id });
        Assert.Equal(HttpStatusCode.NotFound, crossChart.StatusCode);
    }

    [Theory]
    [InlineData("1=1 OR", "position 1")]
    [InlineData("project_code = 'x'; DROP TABLE ppm_project", "position")]
    [InlineData("password_hash = 'x'", "position 1")]
    public async Task An_rls_clause_outside_the_grammar_is_a_400_naming_the_position(string clause, string expected)
    {
        var dashboard = await DashboardAsync("tbwa", "agency-finance");
        var dataset = await web.Services.GetRequiredService<BiMetadata>().DatasetAsync("tbwa", "ppm_project_budget_status", CancellationToken.None);
        var client = await ServiceClientAsync("tbwa.localhost", "tbwa");
        var response = await client.PostAsJsonAsync("/api/v1/security/guest_token/", new
        {
            user = new { username = "viewer" },
            resources = new[] { new { type = "dashboard", id = dashboard.EmbeddedUuid.ToString() } },
            rls = new[] { new { dataset = dataset!.Id, clause } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_bad_token_is_refused_on_every_data_path_csv_included()
    {
        var dashboard = await DashboardAsync("tbwa", "agency-finance");
        var chart = (await web.Services.GetRequiredService<BiMetadata>().ChartsAsync("tbwa", dashboard.Id, CancellationToken.None))[0];
        var good = await TokenAsync("tbwa.localhost", "tbwa", dashboard.EmbeddedUuid.ToString());
        var claims = JsonDocument.Parse(Base64UrlDecode(good.Split('.')[1])).RootElement;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Claims(Action<Dictionary<string, object?>> change)
        {
            var copy = JsonSerializer.Deserialize<Dictionary<string, object?>>(claims.GetRawText())!;
            change(copy);
            return JsonSerializer.Serialize(copy);
        }
        var bad = new Dictionary<string, string>
        {
            ["forged"] = Sign("""{"alg":"HS256","typ":"JWT"}""", claims.GetRawText(), "not-the-secret-" + new string('x', 40)),
            ["alg none"] = Base64UrlEncode("""{"alg":"none","typ":"JWT"}""") + "." + Base64UrlEncode(claims.GetRawText()) + ".",
            ["expired"] = Sign("""{"alg":"HS256","typ":"JWT"}""", Claims(c => { c["iat"] = now - 900; c["exp"] = now - 600; }), Secret),
            ["wrong audience"] = Sign("""{"alg":"HS256","typ":"JWT"}""", Claims(c => c["aud"] = "https://elsewhere.example"), Secret),
            ["wrong type"] = Sign("""{"alg":"HS256","typ":"JWT"}""", Claims(c => c["type"] = "access"), Secret),
            ["tampered"] = good[..^2] + (good[^2] == 'A' ? "BB" : "AA"),
            ["garbage"] = "not.a.token",
        };
        foreach (var (name, token) in bad)
        {
            var guest = Guest("tbwa.localhost", token);
            var responses = new[]
            {
                await guest.GetAsync($"/api/v1/dashboard/{dashboard.EmbeddedUuid}"),
                await guest.PostAsJsonAsync("/api/v1/chart/data", new { dashboard_id = dashboard.Id, chart_id = chart.Id }),
                await guest.GetAsync($"/api/v1/chart/{chart.Id}/data?format=csv&dashboard_id={dashboard.Id}"),
                await guest.GetAsync($"/api/v1/dashboard/{dashboard.EmbeddedUuid}/filter/project/values"),
            };
            Assert.All(responses, r => Assert.True(r.StatusCode == HttpStatusCode.Unauthorized, $"{name}: {r.RequestMessage!.RequestUri} answered {(int)r.StatusCode}"));
        }
        Assert.Equal(HttpStatusCode.OK, (await Guest("tbwa.localhost", good).GetAsync($"/api/v1/dashboard/{dashboard.EmbeddedUuid}")).StatusCode);
    }

    [Fact]
    public async Task The_embedded_page_checks_the_uuid_and_the_embedding_origin_and_sets_frame_ancestors()
    {
        var dashboard = await DashboardAsync("tbwa", "agency-finance");
        var client = web.Client("tbwa.localhost");

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/embedded/{Guid.NewGuid()}")).StatusCode);
        var scout = await DashboardAsync("scout", "scout-retail-intelligence");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/embedded/{scout.EmbeddedUuid}")).StatusCode);

        using var foreign = new HttpRequestMessage(HttpMethod.Get, $"/embedded/{dashboard.EmbeddedUuid}") { Headers = { Referrer = new Uri("https://evil.example/page") } };
        Assert.Equal(HttpStatusCode.Forbidden, (await client.SendAsync(foreign)).StatusCode);

        using var own = new HttpRequestMessage(HttpMethod.Get, $"/embedded/{dashboard.EmbeddedUuid}") { Headers = { Referrer = new Uri("http://tbwa.localhost:8069/dashboards/agency-finance") } };
        var page = await client.SendAsync(own);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'self' tbwa.erp.insightpulseai.com:* tbwa.localhost:*", csp, StringComparison.Ordinal);
        Assert.Contains("data-embedded-uuid=\"" + dashboard.EmbeddedUuid, await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_embedded_configuration_is_read_changed_turned_off_and_on_and_the_tenant_registry_follows()
    {
        var dashboard = await DashboardAsync("tbwa", "agency-finance");
        var api = await ServiceClientAsync("tbwa.localhost", "tbwa");
        var original = dashboard.AllowedDomains.ToArray();
        try
        {
            var read = await api.GetFromJsonAsync<JsonElement>("/api/v1/dashboard/agency-finance/embedded");
            Assert.Equal(dashboard.EmbeddedUuid.ToString(), read.GetProperty("result").GetProperty("uuid").GetString());
            Assert.Equal(HttpStatusCode.Unauthorized, (await web.Client("tbwa.localhost").GetAsync("/api/v1/dashboard/agency-finance/embedded")).StatusCode);
            Assert.Equal(HttpStatusCode.BadRequest, (await api.PutAsJsonAsync("/api/v1/dashboard/agency-finance/embedded", new { allowed_domains = new[] { "https://x.example/path" } })).StatusCode);

            var changed = await api.PutAsJsonAsync($"/api/v1/dashboard/{dashboard.Id}/embedded", new { allowed_domains = new[] { "https://portal.example.com", "tbwa.localhost" } });
            Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
            Assert.Equal(2, (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result").GetProperty("allowed_domains").GetArrayLength());

            Assert.Equal(HttpStatusCode.OK, (await api.DeleteAsync("/api/v1/dashboard/agency-finance/embedded")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/api/v1/dashboard/agency-finance/embedded")).StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, (await web.Client("tbwa.localhost").GetAsync($"/embedded/{dashboard.EmbeddedUuid}")).StatusCode);

            var on = await api.PostAsJsonAsync("/api/v1/dashboard/agency-finance/embedded", new { allowed_domains = original });
            var uuid = (await on.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result").GetProperty("uuid").GetString();
            Assert.NotEqual(dashboard.EmbeddedUuid.ToString(), uuid);
            // The tenant's Dashboards page embeds the new uuid at once.
            var admin = await web.AdminClientAsync("tbwa.localhost", "tbwa");
            Assert.Contains($"data-embedded-uuid=\"{uuid}\"", await admin.GetStringAsync("/dashboards/agency-finance"), StringComparison.Ordinal);
            // Another tenant's account cannot touch it.
            var scout = await ServiceClientAsync("scout.localhost", "scout");
            Assert.Equal(HttpStatusCode.NotFound, (await scout.GetAsync($"/api/v1/dashboard/{dashboard.Id}/embedded")).StatusCode);
        }
        finally
        {
            await api.PostAsJsonAsync("/api/v1/dashboard/agency-finance/embedded", new { allowed_domains = original });
        }
    }

    [Fact]
    public async Task An_rls_rule_naming_a_dataset_of_another_workspace_is_refused()
    {
        var dashboard = await DashboardAsync("tbwa", "agency-finance");
        var scoutDataset = await web.Services.GetRequiredService<BiMetadata>().DatasetAsync("scout", "bi_fact_transactions", CancellationToken.None);
        var response = await (await ServiceClientAsync("tbwa.localhost", "tbwa")).PostAsJsonAsync("/api/v1/security/guest_token/", new
        {
            user = new { username = "viewer" },
            resources = new[] { new { type = "dashboard", id = dashboard.EmbeddedUuid.ToString() } },
            rls = new[] { new { dataset = scoutDataset!.Id, clause = "region = 'NCR'" } },
        });
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_chart_broken_by_a_schema_change_answers_422_broken_and_the_dashboard_lists_its_reason_until_it_heals()
    {
        var dashboard = await DashboardAsync("tbwa", "agency-finance");
        var chart = (await web.Services.GetRequiredService<BiMetadata>().ChartsAsync("tbwa", dashboard.Id, CancellationToken.None)).Single(c => c.Key == "reports_by_state");
        var refresh = web.Services.GetRequiredService<DatasetRefresh>();
        const string reason = "Column 'state' is no longer in dataset ppm_expense_report.";
        try
        {
            await using var renamed = await ColumnRename.StartAsync(web.Scope.Postgres, "postgres", "tbwa", "ppm_expense_report", "state");
            Assert.Contains(reason, (await refresh.RefreshAsync("tbwa", CancellationToken.None)).BrokenCharts.Select(c => c.Reason));
            var guest = Guest("tbwa.localhost", await TokenAsync("tbwa.localhost", "tbwa", dashboard.EmbeddedUuid.ToString()));

            var data = await guest.PostAsJsonAsync("/api/v1/chart/data", new { dashboard_id = dashboard.Id, chart_id = chart.Id });
            Assert.Equal(HttpStatusCode.UnprocessableEntity, data.StatusCode);
            var body = await data.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(body.GetProperty("broken").GetBoolean());
            Assert.Equal(reason, body.GetProperty("message").GetString());
            Assert.Equal(HttpStatusCode.UnprocessableEntity, (await guest.GetAsync($"/api/v1/chart/{chart.Id}/data?format=csv&dashboard_id={dashboard.Id}")).StatusCode);
            var charts = (await guest.GetFromJsonAsync<JsonElement>($"/api/v1/dashboard/{dashboard.EmbeddedUuid}")).GetProperty("result").GetProperty("charts").EnumerateArray().ToList();
            Assert.Equal(reason, charts.Single(c => c.GetProperty("key").GetString() == "reports_by_state").GetProperty("broken").GetString());
            Assert.Equal(JsonValueKind.Null, charts.Single(c => c.GetProperty("key").GetString() == "total_budget").GetProperty("broken").ValueKind);

            await renamed.UndoAsync();
            Assert.Contains("reports_by_state", (await refresh.RefreshAsync("tbwa", CancellationToken.None)).HealedCharts.Select(c => c.Key));
            Assert.Equal(HttpStatusCode.OK, (await guest.PostAsJsonAsync("/api/v1/chart/data", new { dashboard_id = dashboard.Id, chart_id = chart.Id })).StatusCode);
        }
        finally
        {
            await refresh.RefreshAsync("tbwa", CancellationToken.None);
        }
    }

    private static string Sign(string header, string payload, string secret)
    {
        var input = Base64UrlEncode(header) + "." + Base64UrlEncode(payload);
        return input + "." + Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(input))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static string Base64UrlEncode(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Base64UrlDecode(string part)
    {
        var s = part.Replace('-', '+').Replace('_', '/');
        return Encoding.UTF8.GetString(Convert.FromBase64String(s.PadRight(s.Length + (4 - s.Length % 4) % 4, '=')));
    }
}
