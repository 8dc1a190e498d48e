using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using InsightPulse.Core.Audit;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Users;
using InsightPulse.Web.Api;
using InsightPulse.Web.Bi;
using Microsoft.Extensions.DependencyInjection;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The web host's actions in the audit trail: the operator API's (as <c>api:operator</c>), the console's and the users
/// page's (as the signed-in administrator), dashboards opened (as the user, or the tenant's BI service account), each
/// with its outcome, refusals included, and never a password or token in a row.
/// </summary>
[Collection(Lanes.Http)]
public sealed partial class AuditWebTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    private static readonly TimeSpan ProvisioningBudget = TimeSpan.FromMinutes(3);

    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient Api()
    {
        var client = web.Client("localhost");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", web.Scope.Get<ManagedCluster>().Secrets.ReadRequired(OperatorToken.SecretName));
        return client;
    }

    /// <summary>The trail's rows newer than <paramref name="after"/>, oldest first.</summary>
    private async Task<List<AuditRecord>> RowsAfterAsync(long after) =>
        [.. (await web.Scope.Get<AuditLog>().ListAsync(null, AuditLog.MaxLimit, CancellationToken.None)).Where(r => r.Id > after).Reverse()];

    private async Task<long> LastIdAsync() => (await web.Scope.Get<AuditLog>().ListAsync(null, 1, CancellationToken.None)) is [var last, ..] ? last.Id : 0;

    private static (string Actor, string? Tenant, string Action, AuditOutcome Outcome) Summary(AuditRecord r) => (r.Actor, r.TenantCode, r.Action, r.Outcome);

    private static string Detail(AuditRecord r, string key) => r.Detail.GetProperty(key).ToString();

    [Fact]
    public async Task Operator_api_actions_are_recorded_as_the_api_with_their_outcome()
    {
        var api = Api();
        var start = await LastIdAsync();

        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync(TenantApi.Prefix, new { code = "audit_api", name = "Audit API" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsJsonAsync(TenantApi.Prefix, new { code = "Bad Code", name = "" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await api.PostAsync($"{TenantApi.Prefix}/audit_api/suspend", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsync($"{TenantApi.Prefix}/audit_nobody/provision", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await api.PostAsync($"{TenantApi.Prefix}/audit_api/provision", null)).StatusCode);
        var events = await ServerSentEventStream.ReadAsync(api, $"{TenantApi.Prefix}/audit_api/events", ProvisioningBudget);
        Assert.Equal("active", events[^1].Data.GetProperty("state").GetString());
        // The background run records its row when it ends, a moment after its journal says so.
        await ServerSentEventStream.EventuallyAsync(async () => (await RowsAfterAsync(start)).Count == 5, "the provisioning run's row");

        var rows = await RowsAfterAsync(start);
        const string Operator = "api:operator";
        Assert.Equal(
        [
            (Operator, "audit_api", AuditActions.TenantCreated, AuditOutcome.Succeeded),
            (Operator, null, AuditActions.TenantCreated, AuditOutcome.Refused),
            (Operator, "audit_api", AuditActions.TenantSuspended, AuditOutcome.Refused),
            (Operator, "audit_nobody", AuditActions.TenantProvisioned, AuditOutcome.Refused),
            (Operator, "audit_api", AuditActions.TenantProvisioned, AuditOutcome.Succeeded),
        ], rows.Select(Summary));
        Assert.Equal("Bad Code", Detail(rows[1], "given_tenant"));
        Assert.Contains("code", Detail(rows[1], "fields"), StringComparison.Ordinal);
        Assert.Equal("InvalidTenantStateException", Detail(rows[2], "error"));
        Assert.Equal("TenantNotFoundException", Detail(rows[3], "error"));
        var run = await api.GetFromJsonAsync<JsonElement>($"{TenantApi.Prefix}/audit_api/runs/latest");
        Assert.Equal(run.GetProperty("id").GetString(), Detail(rows[4], "run_id"));
    }

    [Fact]
    public async Task Console_actions_are_recorded_as_the_signed_in_platform_administrator()
    {
        var console = await web.AdminClientAsync("localhost", "platform");
        var start = await LastIdAsync();

        var created = await WebPlatform.PostFormAsync(console, "/console/tenants/new", "/console/tenants/new", new Dictionary<string, string>
        {
            ["code"] = "audit_console",
            ["name"] = "Audit Console",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var suspend = await WebPlatform.PostFormAsync(console, "/console/tenants/audit_console", "/console/tenants/audit_console/suspend", new Dictionary<string, string>());
        Assert.Equal("/console/tenants/audit_console?refused=suspend", suspend.Headers.Location?.OriginalString);

        Assert.Equal(
        [
            ("web:platform/admin", "audit_console", AuditActions.TenantCreated, AuditOutcome.Succeeded),
            ("web:platform/admin", "audit_console", AuditActions.TenantSuspended, AuditOutcome.Refused),
        ], (await RowsAfterAsync(start)).Select(Summary));
    }

    [Fact]
    public async Task User_changes_are_recorded_as_the_tenants_administrator_refusals_included_and_no_password_in_a_row()
    {
        var admin = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        const string Password = "audit user's first password";
        const string Second = "audit user's second password";
        var start = await LastIdAsync();

        async Task<HttpResponseMessage> PostAsync(string action, Dictionary<string, string> fields) =>
            await WebPlatform.PostFormAsync(admin, "/settings/users", action, fields);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync("/settings/users", new() { ["login"] = "audit-user", ["name"] = "Audit User", ["password"] = Password, ["is_admin"] = "on" })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync("/settings/users", new() { ["login"] = "audit-short", ["name"] = "Short", ["password"] = "short" })).StatusCode);
        var tenant = await web.Scope.Registry.GetAsync("tbwa", CancellationToken.None);
        var users = await web.Scope.Get<TenantUserDirectory>().ListAsync(tenant, CancellationToken.None);
        var id = users.Single(u => u.Login == "audit-user").Id;
        var self = users.Single(u => u.Login == "admin").Id;
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync($"/settings/users/{id}/password", new() { ["password"] = Second })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync($"/settings/users/{id}/password", new() { ["password"] = "short" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await PostAsync("/settings/users/999999/password", new() { ["password"] = Second })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PostAsync($"/settings/users/{self}/disable", new())).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync($"/settings/users/{id}/disable", new())).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await PostAsync($"/settings/users/{id}/enable", new())).StatusCode);

        var rows = await RowsAfterAsync(start);
        const string Admin = "web:tbwa/admin";
        Assert.Equal(
        [
            (Admin, "tbwa", AuditActions.UserCreated, AuditOutcome.Succeeded),
            (Admin, "tbwa", AuditActions.UserCreated, AuditOutcome.Refused),
            (Admin, "tbwa", AuditActions.UserPasswordSet, AuditOutcome.Succeeded),
            (Admin, "tbwa", AuditActions.UserPasswordSet, AuditOutcome.Refused),
            (Admin, "tbwa", AuditActions.UserPasswordSet, AuditOutcome.Refused),
            (Admin, "tbwa", AuditActions.UserDisabled, AuditOutcome.Refused),
            (Admin, "tbwa", AuditActions.UserDisabled, AuditOutcome.Succeeded),
            (Admin, "tbwa", AuditActions.UserEnabled, AuditOutcome.Succeeded),
        ], rows.Select(Summary));
        Assert.Equal("audit-user", Detail(rows[0], "login"));
        Assert.Equal(id.ToString(System.Globalization.CultureInfo.InvariantCulture), Detail(rows[0], "user_id"));
        Assert.True(rows[0].Detail.GetProperty("is_admin").GetBoolean());
        Assert.Contains("password", Detail(rows[1], "fields"), StringComparison.Ordinal);
        Assert.Equal("999999", Detail(rows[4], "user_id"));
        Assert.Equal("no such user", Detail(rows[4], "error"));
        var text = string.Join("\n", rows.Select(r => r.Detail.GetRawText()));
        Assert.DoesNotContain(Password, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Second, text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"password\":", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dashboard_opened_is_recorded_as_its_user_or_service_account_and_one_not_shared_is_refused()
    {
        var user = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var page = await user.GetStringAsync("/dashboards/agency-finance");
        var antiforgery = WebUtility.HtmlDecode(Antiforgery().Match(page).Groups[1].Value);
        var service = await BiServiceSignIn.SignInAsync(web.Client("tbwa.localhost"), web.Services.GetRequiredService<BiServiceAccounts>().PasswordOf("tbwa"));
        var start = await LastIdAsync();

        async Task<HttpResponseMessage> GuestTokenAsync(string slug)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/dashboards/{slug}/guest-token") { Headers = { { "RequestVerificationToken", antiforgery } } };
            return await user.SendAsync(request);
        }
        async Task<HttpResponseMessage> ServiceTokenAsync(string id) => await service.PostAsJsonAsync("/api/v1/security/guest_token/", new
        {
            user = new { username = "viewer" },
            resources = new[] { new { type = "dashboard", id } },
            rls = Array.Empty<object>(),
        });
        var issued = await GuestTokenAsync("agency-finance");
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await GuestTokenAsync("not-shared")).StatusCode);
        var serviceIssued = await ServiceTokenAsync("agency-finance");
        Assert.Equal(HttpStatusCode.OK, serviceIssued.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await ServiceTokenAsync("not-in-the-workspace")).StatusCode);

        var rows = await RowsAfterAsync(start);
        Assert.Equal(
        [
            ("web:tbwa/admin", "tbwa", AuditActions.DashboardAccessed, AuditOutcome.Succeeded),
            ("web:tbwa/admin", "tbwa", AuditActions.DashboardAccessed, AuditOutcome.Refused),
            ("bi-api:tbwa", "tbwa", AuditActions.DashboardAccessed, AuditOutcome.Succeeded),
            ("bi-api:tbwa", "tbwa", AuditActions.DashboardAccessed, AuditOutcome.Refused),
        ], rows.Select(Summary));
        Assert.Equal("agency-finance", Detail(rows[0], "dashboard"));
        Assert.Equal("not-shared", Detail(rows[1], "dashboard"));
        Assert.Contains("agency-finance", Detail(rows[2], "dashboards"), StringComparison.Ordinal);
        Assert.Equal("viewer", Detail(rows[2], "guest_user"));
        Assert.Equal("not-in-the-workspace", Detail(rows[3], "dashboard"));
        var text = string.Join("\n", rows.Select(r => r.Detail.GetRawText()));
        foreach (var response in new[] { issued, serviceIssued })
        {
            Assert.DoesNotContain((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!, text, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex("data-antiforgery=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
