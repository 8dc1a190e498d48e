using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Demo;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Bi;
using Microsoft.Extensions.DependencyInjection;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The Superset management subset over HTTP, as another platform calls it: a connection whose password never comes
/// back, a dataset read over it, a dashboard and a chart with our spec, tags, rison lookups; refused without the
/// service account's bearer, without the CSRF token on writes, and for another tenant's bearer. Charts over a
/// connection see only the rows of the tenant its startup options name.
/// </summary>
[Collection(Lanes.Http)]
public sealed class SupersetManagementApiTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await web.GetAsync(postgres);
        await web.Services.GetRequiredService<DemoData>().LoadAsync("tbwa", CancellationToken.None);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private string BiPassword => web.Services.GetRequiredService<ManagedCluster>().Secrets.ReadRequired(PlatformEnvironment.RoleSecret("ipai_bi"));

    /// <summary>A URI to the tbwa schema of the test server as the BI reader, in <paramref name="tenant"/>'s context.</summary>
    private string Uri(string tenant, string? password = null) => SqlAlchemyUri.Format(
        postgres.Server.Host, postgres.Server.Port, "postgres", "ipai_bi", password ?? BiPassword, $"-c app.tenant_id={tenant}", "prefer");

    private Task<HttpClient> ServiceClientAsync(string host, string tenant) =>
        BiServiceSignIn.SignInAsync(web.Client(host), web.Services.GetRequiredService<BiServiceAccounts>().PasswordOf(tenant));

    private static async Task<JsonElement> CreatedAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_workspace_is_built_through_the_api_and_its_charts_read_over_the_connection_under_rls()
    {
        using var api = await ServiceClientAsync("platform.localhost", Tenant.PlatformCode);
        var made = await CreatedAsync(await api.PostAsJsonAsync("/api/v1/database/", new { database_name = "tbwa data", sqlalchemy_uri = Uri("tbwa") }));
        var databaseId = made.GetProperty("id").GetInt64();
        var shown = await api.GetStringAsync($"/api/v1/database/{databaseId}");
        Assert.DoesNotContain(BiPassword, shown, StringComparison.Ordinal);
        Assert.Contains(SqlAlchemyUri.Mask, shown, StringComparison.Ordinal);
        // A PUT with the mask keeps the password: the dataset below is still read over the connection.
        var renamed = await api.PutAsJsonAsync($"/api/v1/database/{databaseId}", new { database_name = "tbwa store", sqlalchemy_uri = Uri("tbwa", SqlAlchemyUri.Mask) });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        var byName = await api.GetFromJsonAsync<JsonElement>("/api/v1/database/?q=" + System.Uri.EscapeDataString("(filters:!((col:database_name,opr:eq,value:'tbwa store')))"));
        Assert.Equal(databaseId, byName.GetProperty("result")[0].GetProperty("id").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/v1/database/test_connection/", new { sqlalchemy_uri = Uri("tbwa") })).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await api.PostAsJsonAsync("/api/v1/database/test_connection/", new { sqlalchemy_uri = Uri("tbwa", "wrong") })).StatusCode);

        var dataset = await CreatedAsync(await api.PostAsJsonAsync("/api/v1/dataset/", new { database = databaseId, schema = "tbwa", table_name = "ppm_expense_analysis" }));
        var datasetId = dataset.GetProperty("id").GetInt64();
        var columns = (await api.GetFromJsonAsync<JsonElement>($"/api/v1/dataset/{datasetId}")).GetProperty("result").GetProperty("columns");
        Assert.Contains(columns.EnumerateArray(), c => c.GetProperty("column_name").GetString() == "withholding_amount");
        var found = await api.GetFromJsonAsync<JsonElement>("/api/v1/dataset/?q=" + System.Uri.EscapeDataString(
            $"(filters:!((col:table_name,opr:eq,value:ppm_expense_analysis),(col:database,opr:rel_o_m,value:{databaseId})))"));
        Assert.Equal(1, found.GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await api.GetAsync("/api/v1/dataset/?q=(filters:!((col:sql,opr:ct,value:x)))")).StatusCode);

        // The layout travels as Superset's own documents: a tab with one chart in position_json, a select filter in
        // json_metadata's native_filter_configuration naming the dataset by id.
        var layout = new DashboardLayout
        {
            Tabs = [new LayoutTab { Key = "main", Title = "Main", Charts = [new LayoutCell { Key = "lines", Width = 12 }] }],
            NativeFilters = [new NativeFilter { Key = "atc", Label = "ATC code", Kind = "select", Column = "atc_code", Dataset = datasetId.ToString(System.Globalization.CultureInfo.InvariantCulture) }],
        };
        var positions = SupersetFormData.Positions(layout, new Dictionary<string, (long, string)>()).ToJsonString();
        var dashboard = await CreatedAsync(await api.PostAsJsonAsync("/api/v1/dashboard/", new
        {
            dashboard_title = "TBWA over a connection", slug = "tbwa-over-connection", published = true, position_json = positions,
            json_metadata = new System.Text.Json.Nodes.JsonObject { ["refresh_frequency"] = 60, ["native_filter_configuration"] = SupersetFormData.NativeFilters(layout.NativeFilters) }.ToJsonString(),
        }));
        var dashboardId = dashboard.GetProperty("id").GetInt64();
        ChartSpec Count(string column) => new() { Viz = "big_number", Metrics = [new ChartMetric { Aggregate = "count", Column = column, Label = "Lines" }] };
        var bad = await api.PostAsJsonAsync("/api/v1/chart/", Chart(dashboardId, datasetId, Count("no_such_column")));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        var chart = await CreatedAsync(await api.PostAsJsonAsync("/api/v1/chart/", Chart(dashboardId, datasetId, Count("line_id"))));
        var chartId = chart.GetProperty("id").GetInt64();
        var onDashboard = await api.GetFromJsonAsync<JsonElement>($"/api/v1/dashboard/{dashboardId}/charts");
        Assert.Equal("lines", onDashboard.GetProperty("result")[0].GetProperty("form_data").GetProperty(SupersetFormData.ChartKey).GetString());
        var read = (await api.GetFromJsonAsync<JsonElement>("/api/v1/dashboard/tbwa-over-connection")).GetProperty("result");
        Assert.True(System.Text.Json.Nodes.JsonNode.DeepEquals(System.Text.Json.Nodes.JsonNode.Parse(positions), System.Text.Json.Nodes.JsonNode.Parse(read.GetProperty("position_json").GetString()!)));
        var stored = (await web.Services.GetRequiredService<BiMetadata>().DashboardAsync(Tenant.PlatformCode, "tbwa-over-connection", CancellationToken.None))!;
        Assert.Equal(["lines"], stored.Layout.Tabs.Single().Charts.Select(c => c.Key));
        Assert.Equal(60, stored.RefreshSeconds);
        var filter = Assert.Single(stored.Layout.NativeFilters);
        Assert.Equal(("atc", "select", "atc_code"), (filter.Key, filter.Kind, filter.Column));
        Assert.StartsWith("ppm_expense_analysis_c", filter.Dataset, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Created, (await api.PostAsJsonAsync($"/api/v1/tag/3/{dashboardId}/", new { properties = new { tags = new[] { "workspace:tbwa" } } })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await api.PostAsJsonAsync("/api/v1/tag/3/999999/", new { properties = new { tags = new[] { "workspace:tbwa" } } })).StatusCode);
        var tagged = await api.GetFromJsonAsync<JsonElement>("/api/v1/tag/get_objects/?tags=workspace:tbwa");
        Assert.Equal("dashboard", tagged.GetProperty("result")[0].GetProperty("type").GetString());

        // The chart reads over the connection: tbwa's lines in tbwa's context, none in another tenant's.
        var metadata = web.Services.GetRequiredService<BiMetadata>();
        var platform = await web.Services.GetRequiredService<TenantRegistry>().GetAsync(Tenant.PlatformCode, CancellationToken.None);
        var (saved, source) = (await metadata.ChartAsync(Tenant.PlatformCode, chartId, CancellationToken.None))!.Value;
        var charts = web.Services.GetRequiredService<ChartDataService>();
        var own = await charts.QueryAsync(platform, saved, source, 10, [], null, "own", CancellationToken.None);
        Assert.True(Convert.ToInt64(own.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture) > 0);
        var other = await CreatedAsync(await api.PostAsJsonAsync("/api/v1/database/", new { database_name = "tbwa schema as scout", sqlalchemy_uri = Uri("scout") }));
        var otherDataset = await CreatedAsync(await api.PostAsJsonAsync("/api/v1/dataset/", new { database = other.GetProperty("id").GetInt64(), schema = "tbwa", table_name = "ppm_expense_analysis" }));
        var otherChart = await CreatedAsync(await api.PostAsJsonAsync("/api/v1/chart/", Chart(dashboardId, otherDataset.GetProperty("id").GetInt64(), Count("line_id"), "lines_as_scout")));
        var (savedOther, sourceOther) = (await metadata.ChartAsync(Tenant.PlatformCode, otherChart.GetProperty("id").GetInt64(), CancellationToken.None))!.Value;
        var none = await charts.QueryAsync(platform, savedOther, sourceOther, 10, [], null, "other", CancellationToken.None);
        Assert.Equal(0L, Convert.ToInt64(none.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static object Chart(long dashboardId, long datasetId, ChartSpec spec, string key = "lines") => new
    {
        slice_name = "Expense lines", viz_type = "big_number_total", datasource_id = datasetId, datasource_type = "table",
        @params = SupersetFormData.Params(key, spec, datasetId).ToJsonString(), dashboards = new[] { dashboardId },
    };

    [Fact]
    public async Task Calls_without_the_bearer_without_csrf_or_with_another_tenants_bearer_are_refused()
    {
        using var anonymous = web.Client("platform.localhost");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/database/")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/api/v1/dashboard/", new { dashboard_title = "x", slug = "x" })).StatusCode);

        using var api = await ServiceClientAsync("platform.localhost", Tenant.PlatformCode);
        api.DefaultRequestHeaders.Remove("X-CSRFToken");
        Assert.Equal(HttpStatusCode.BadRequest, (await api.PostAsJsonAsync("/api/v1/dashboard/", new { dashboard_title = "x", slug = "x" })).StatusCode);

        using var scout = await ServiceClientAsync("scout.localhost", "scout");
        using var stolen = web.Client("platform.localhost");
        stolen.DefaultRequestHeaders.Authorization = scout.DefaultRequestHeaders.Authorization;
        Assert.Equal(HttpStatusCode.Unauthorized, (await stolen.GetAsync("/api/v1/database/")).StatusCode);

        // A tenant's own service account signs embedding requests; it cannot make our servers connect to a host it names.
        Assert.Equal(HttpStatusCode.Forbidden, (await scout.PostAsJsonAsync("/api/v1/database/", new { database_name = "probe", sqlalchemy_uri = Uri("scout") })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await scout.PostAsJsonAsync("/api/v1/database/test_connection/", new { sqlalchemy_uri = "postgresql://x:y@10.0.0.1:5432/postgres" })).StatusCode);
    }
}
