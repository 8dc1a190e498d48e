using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using InsightPulse.Core.Bi.Security;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The tenant's Dashboards menu and pages over HTTP: the registry decides what a user sees (active, groups), the page
/// carries what the embedded SDK needs, and the server-side guest token names that dashboard only, keeps the
/// registry's clause, and writes the access audit.
/// </summary>
[Collection(Lanes.Http)]
public sealed partial class DashboardPagesTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Runs <paramref name="sql"/> in tbwa's database as the owner, in tbwa's context.</summary>
    private async Task<T> InTbwaAsync<T>(string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(web.Scope.Postgres.ConnectionString("odoo_tbwa"));
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("SELECT set_config('app.tenant_id', 'tbwa', true)", transaction: transaction);
        var result = await connection.QueryFirstOrDefaultAsync<T>(sql, parameters, transaction);
        await transaction.CommitAsync();
        return result!;
    }

    [Fact]
    public async Task The_menu_lists_the_tenants_dashboard_and_its_page_carries_what_the_sdk_needs()
    {
        var client = await web.AdminClientAsync("tbwa.localhost", "tbwa");

        var list = await client.GetStringAsync("/dashboards");
        Assert.Contains("href=\"/dashboards/agency-finance\"", list, StringComparison.Ordinal);
        Assert.Contains(">Dashboards</a>", list, StringComparison.Ordinal);
        var page = await client.GetStringAsync("/dashboards/agency-finance");
        Assert.Matches("data-embedded-uuid=\"[0-9a-f-]{36}\"", page);
        Assert.Contains("data-bi-domain=\"http://tbwa.localhost\"", page, StringComparison.Ordinal);
        Assert.Contains("/assets/vendor/superset-embedded-sdk.js", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/assets/vendor/superset-embedded-sdk.js")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/assets/vendor/echarts.min.js")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/dashboards/scout-retail-intelligence")).StatusCode);
    }

    [Fact]
    public async Task The_server_side_guest_token_names_this_dashboard_keeps_the_registrys_clause_and_is_audited()
    {
        var client = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var page = await client.GetStringAsync("/dashboards/agency-finance");
        var antiforgery = WebUtility.HtmlDecode(AntiforgeryAttribute().Match(page).Groups[1].Value);
        var uuid = EmbeddedAttribute().Match(page).Groups[1].Value;
        var before = await InTbwaAsync<long>("SELECT count(*) FROM ipai_bi_dashboard_access");
        await InTbwaAsync<int>("UPDATE ipai_bi_dashboard SET rls_custom_clause = 'project_code <> ${user_login}' WHERE dashboard_id = 'agency-finance' RETURNING 1");
        try
        {
            var refused = await client.PostAsync("/dashboards/agency-finance/guest-token", null);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);

            using var request = new HttpRequestMessage(HttpMethod.Post, "/dashboards/agency-finance/guest-token") { Headers = { { "RequestVerificationToken", antiforgery } } };
            var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var token = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            var claims = web.Services.GetRequiredService<GuestTokens>().Validate(token);
            Assert.Equal(uuid, Assert.Single(claims.Resources).Id);
            Assert.Equal("project_code <> 'admin'", Assert.Single(claims.RlsRules).Clause);
            Assert.Equal("admin", claims.User.Username);

            Assert.Equal(before + 1, await InTbwaAsync<long>("SELECT count(*) FROM ipai_bi_dashboard_access"));
            var applied = await InTbwaAsync<string>("SELECT rls_applied FROM ipai_bi_dashboard_access ORDER BY id DESC LIMIT 1");
            Assert.Contains("project_code <> 'admin'", applied, StringComparison.Ordinal);
        }
        finally
        {
            await InTbwaAsync<int>("UPDATE ipai_bi_dashboard SET rls_custom_clause = NULL WHERE dashboard_id = 'agency-finance' RETURNING 1");
        }
    }

    [Fact]
    public async Task A_dashboard_shared_with_a_group_the_user_is_not_in_or_archived_is_neither_listed_nor_served()
    {
        var client = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var group = await InTbwaAsync<long>("INSERT INTO res_groups (name) VALUES ('Finance leads (test)') RETURNING id");
        await InTbwaAsync<int>("INSERT INTO ipai_bi_dashboard_group_rel (dashboard_id, group_id) SELECT id, @group FROM ipai_bi_dashboard WHERE dashboard_id = 'agency-finance' RETURNING 1", new { group });
        try
        {
            Assert.DoesNotContain("/dashboards/agency-finance", await client.GetStringAsync("/dashboards"), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/dashboards/agency-finance")).StatusCode);

            await InTbwaAsync<int>("INSERT INTO res_groups_users_rel (group_id, user_id) SELECT @group, id FROM res_users WHERE login = 'admin' RETURNING 1", new { group });
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/dashboards/agency-finance")).StatusCode);

            await InTbwaAsync<int>("UPDATE ipai_bi_dashboard SET active = false WHERE dashboard_id = 'agency-finance' RETURNING 1");
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/dashboards/agency-finance")).StatusCode);
        }
        finally
        {
            await InTbwaAsync<int>("UPDATE ipai_bi_dashboard SET active = true WHERE dashboard_id = 'agency-finance' RETURNING 1");
            await InTbwaAsync<int>("DELETE FROM res_groups WHERE id = @group RETURNING 1", new { group });
        }
    }

    [GeneratedRegex("data-antiforgery=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryAttribute();

    [GeneratedRegex("data-embedded-uuid=\"([0-9a-f-]{36})\"")]
    private static partial Regex EmbeddedAttribute();
}
