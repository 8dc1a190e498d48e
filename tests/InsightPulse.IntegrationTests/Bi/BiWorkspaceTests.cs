using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests.Bi;

/// <summary>
/// The provisioning step bi_workspace against the real catalogue: templates instantiated per tenant, every chart's
/// query run as the BI role, drift repaired, and row-level security bounding a chart even when it is run for the
/// wrong tenant.
/// </summary>
[Collection(Lanes.A)]
public sealed class BiWorkspaceTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private BiMetadata Metadata => _platform.Get<BiMetadata>();

    private Task<ProvisionResult> ProvisionAsync(string code) =>
        _platform.Get<TenantProvisioner>().ProvisionAsync(code, new TenantProvisioner.Options(), null, null, CancellationToken.None);

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task Each_tenant_gets_the_templates_that_apply_to_it_registered_with_their_embedded_uuid()
    {
        var tbwa = await Metadata.DashboardsAsync("tbwa", CancellationToken.None);
        var scout = await Metadata.DashboardsAsync("scout", CancellationToken.None);
        var platform = await Metadata.DashboardsAsync("platform", CancellationToken.None);

        Assert.Equal(["agency-finance"], tbwa.Select(d => d.Slug));
        Assert.Contains("scout-retail-intelligence", scout.Select(d => d.Slug));
        Assert.Empty(platform);
        var retail = scout.Single(d => d.Slug == "scout-retail-intelligence");
        Assert.Equal(6, retail.Layout.Tabs.Count);
        Assert.Equal(300, retail.RefreshSeconds);
        Assert.NotEmpty(retail.Layout.NativeFilters);
        Assert.Contains("tbwa.localhost", tbwa[0].AllowedDomains);

        // The tenant's registry names the same dashboard and embedded uuid.
        await using var tenantDb = await OpenAsync("odoo_tbwa");
        await using var transaction = await tenantDb.BeginTransactionAsync();
        await tenantDb.ExecuteAsync("SELECT set_config('app.tenant_id', 'tbwa', true)", transaction: transaction);
        var registered = await tenantDb.QuerySingleAsync<(string DashboardId, Guid EmbedUuid)>(
            "SELECT dashboard_id, embed_uuid FROM ipai_bi_dashboard", transaction: transaction);
        Assert.Equal(("agency-finance", tbwa[0].EmbeddedUuid), registered);

        // Datasets of the scout template: the twelve views of the reference.
        await using var platformDb = await _platform.OpenPlatformAsync();
        var datasets = (await platformDb.QueryAsync<string>("SELECT name FROM ipai_bi_dataset WHERE tenant_code = 'scout' AND template = 'scout-retail-intelligence' ORDER BY name")).ToList();
        Assert.Equal(12, datasets.Count);
    }

    [Fact]
    public async Task Every_chart_of_every_template_runs_as_the_bi_role()
    {
        var service = _platform.Get<ChartDataService>();
        foreach (var code in new[] { "tbwa", "scout" })
        {
            var tenant = await _platform.Registry.GetAsync(code, CancellationToken.None);
            foreach (var dashboard in await Metadata.DashboardsAsync(code, CancellationToken.None))
            {
                var charts = await Metadata.ChartsAsync(code, dashboard.Id, CancellationToken.None);
                Assert.Equal(dashboard.Layout.Tabs.Sum(t => t.Charts.Count), charts.Count);
                foreach (var chart in charts)
                {
                    var dataset = await Metadata.DatasetAsync(code, chart.DatasetId, CancellationToken.None);
                    var data = await service.QueryAsync(tenant, chart, dataset!, dashboard.RefreshSeconds, [], null, "", CancellationToken.None);
                    Assert.NotEmpty(data.Colnames);
                }
            }
        }
    }

    [Fact]
    public async Task A_second_run_changes_nothing_and_drift_is_repaired()
    {
        var again = await ProvisionAsync("tbwa");
        Assert.False(again.Steps.Single(s => s.Step == "bi_workspace").Acted, again.Steps.Single(s => s.Step == "bi_workspace").Detail);

        await using (var platformDb = await _platform.OpenPlatformAsync())
        {
            await platformDb.ExecuteAsync("DELETE FROM ipai_bi_chart WHERE tenant_code = 'tbwa' AND key = 'spend_vs_budget'");
            await platformDb.ExecuteAsync("UPDATE ipai_bi_chart SET spec = '{\"viz\": \"pie\"}' WHERE tenant_code = 'tbwa' AND key = 'reports_by_state'");
            await platformDb.ExecuteAsync("UPDATE ipai_bi_workspace_dashboard SET title = 'x' WHERE tenant_code = 'tbwa'");
        }
        var repaired = await ProvisionAsync("tbwa");

        var step = repaired.Steps.Single(s => s.Step == "bi_workspace");
        Assert.True(step.Acted, step.Detail);
        Assert.Contains("2 chart(s)", step.Detail, StringComparison.Ordinal);
        var dashboard = (await Metadata.DashboardsAsync("tbwa", CancellationToken.None)).Single();
        Assert.Equal("Agency finance", dashboard.Title);
        var charts = await Metadata.ChartsAsync("tbwa", dashboard.Id, CancellationToken.None);
        Assert.Contains(charts, c => c.Key == "spend_vs_budget");
        Assert.Equal("pie", charts.Single(c => c.Key == "reports_by_state").Spec.Viz);
        Assert.Single(charts.Single(c => c.Key == "reports_by_state").Spec.Groupby);
    }

    [Fact]
    public async Task A_chart_run_for_the_wrong_tenant_reads_no_row_because_rls_bounds_it()
    {
        await using (var data = await OpenAsync("postgres"))
        {
            await using var transaction = await data.BeginTransactionAsync();
            await data.ExecuteAsync("SELECT set_config('app.tenant_id', 'tbwa', true), set_config('search_path', 'tbwa', true)", transaction: transaction);
            await data.ExecuteAsync(TenantRows.Insert["ppm_project"], new { tenant = "tbwa", n = TenantRows.Next() }, transaction);
            await transaction.CommitAsync();
        }
        var tbwa = await _platform.Registry.GetAsync("tbwa", CancellationToken.None);
        var dashboard = (await Metadata.DashboardsAsync("tbwa", CancellationToken.None)).Single();
        var chart = (await Metadata.ChartsAsync("tbwa", dashboard.Id, CancellationToken.None)).Single(c => c.Key == "budget_status");
        var dataset = await Metadata.DatasetAsync("tbwa", chart.DatasetId, CancellationToken.None);
        var service = _platform.Get<ChartDataService>();

        var right = await service.QueryAsync(tbwa, chart, dataset!, 1, [], null, "right", CancellationToken.None);
        // Every check above the database wrong at once: tbwa's schema and dataset, but the context of another tenant.
        var impostor = tbwa with { Code = "scout" };
        var wrong = await service.QueryAsync(impostor, chart, dataset! with { TenantCode = "scout" }, 1, [], null, "wrong", CancellationToken.None);

        Assert.NotEmpty(right.Rows);
        Assert.Empty(wrong.Rows);
    }

    [Fact]
    public async Task A_spec_naming_a_column_outside_the_dataset_is_refused_before_any_sql()
    {
        var tbwa = await _platform.Registry.GetAsync("tbwa", CancellationToken.None);
        var dashboard = (await Metadata.DashboardsAsync("tbwa", CancellationToken.None)).Single();
        var chart = (await Metadata.ChartsAsync("tbwa", dashboard.Id, CancellationToken.None))[0];
        var dataset = await Metadata.DatasetAsync("tbwa", chart.DatasetId, CancellationToken.None);
        var hostile = chart with { Spec = chart.Spec with { Groupby = ["password_hash"] } };

        var error = await Assert.ThrowsAsync<ChartSpecException>(() =>
            _platform.Get<ChartDataService>().QueryAsync(tbwa, hostile, dataset!, 1, [], null, "", CancellationToken.None));
        Assert.Contains("'password_hash' is not a column of the dataset", error.Message, StringComparison.Ordinal);
    }
}
