using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Demo;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests.Bi;

/// <summary>
/// Dataset refresh against the real catalogue, on tbwa's Agency finance workspace (provisioned, with its demo data): a
/// column added or dropped is followed, a chart whose column vanished is broken with a reason naming it and healed when
/// it returns, a relation that is gone breaks all its charts, and a second refresh changes nothing. Every test puts
/// tbwa's schema and workspace back as it found them.
/// </summary>
[Collection(Lanes.A)]
public sealed class DatasetRefreshTests(PostgresFixture postgres, SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    private Task<PlatformScope> PlatformAsync() => shared.GetAsync(postgres, async scope =>
    {
        await scope.UpAndProvisionAsync();
        await scope.Get<DemoData>().LoadAsync("tbwa", CancellationToken.None);
    });

    private static Task<DatasetRefreshResult> RefreshAsync(PlatformScope platform, string code = "tbwa") =>
        platform.Get<DatasetRefresh>().RefreshAsync(code, CancellationToken.None);

    /// <summary>A statement on tbwa's schema of the shared data database, as the test server's admin.</summary>
    private async Task AlterAsync(string sql)
    {
        await using var data = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await data.OpenAsync();
        await data.ExecuteAsync(sql);
    }

    private static async Task<(WorkspaceChart Chart, Dataset Dataset)> ChartAsync(PlatformScope platform, string key)
    {
        var metadata = platform.Get<BiMetadata>();
        var chart = (await metadata.WorkspaceChartsAsync("tbwa", CancellationToken.None)).Single(c => c.Chart.Key == key).Chart;
        return (await metadata.ChartAsync("tbwa", chart.Id, CancellationToken.None))!.Value;
    }

    private static async Task<ChartData> QueryAsync(PlatformScope platform, string key)
    {
        var (chart, dataset) = await ChartAsync(platform, key);
        var tenant = await platform.Registry.GetAsync("tbwa", CancellationToken.None);
        // A refresh interval of 1 s and a key of its own per call: every query here reaches the database.
        return await platform.Get<ChartDataService>().QueryAsync(tenant, chart, dataset, 1, [], null, Guid.NewGuid().ToString(), CancellationToken.None);
    }

    [Fact]
    public async Task A_column_added_then_dropped_is_followed_and_breaks_nothing()
    {
        var platform = await PlatformAsync();
        Assert.False((await RefreshAsync(platform)).Changed, "tbwa's datasets are current after provisioning");
        try
        {
            await AlterAsync("ALTER TABLE tbwa.ppm_expense_report ADD COLUMN reviewer_note text");
            var added = await RefreshAsync(platform);

            var change = Assert.Single(added.ChangedDatasets);
            Assert.Equal("ppm_expense_report", change.Dataset);
            Assert.Equal([new DatasetColumn("reviewer_note", "text")], change.Added);
            Assert.Empty(change.Removed);
            Assert.Empty(added.BrokenCharts);
            var dataset = await platform.Get<BiMetadata>().DatasetAsync("tbwa", "ppm_expense_report", CancellationToken.None);
            Assert.Equal(new DatasetColumn("reviewer_note", "text"), dataset!.Column("reviewer_note"));

            await AlterAsync("ALTER TABLE tbwa.ppm_expense_report DROP COLUMN reviewer_note");
            var dropped = await RefreshAsync(platform);

            Assert.Equal(["reviewer_note"], Assert.Single(dropped.ChangedDatasets).Removed.Select(c => c.Name));
            Assert.Empty(dropped.BrokenCharts);
            Assert.Null((await platform.Get<BiMetadata>().DatasetAsync("tbwa", "ppm_expense_report", CancellationToken.None))!.Column("reviewer_note"));
        }
        finally
        {
            await AlterAsync("ALTER TABLE tbwa.ppm_expense_report DROP COLUMN IF EXISTS reviewer_note");
            await RefreshAsync(platform);
        }
    }

    [Fact]
    public async Task A_chart_whose_column_vanished_is_broken_naming_it_and_healed_when_it_returns()
    {
        var platform = await PlatformAsync();
        try
        {
            // gross_amount leaves the view (a rename: the catalogue no longer has a column of that name).
            await using var renamed = await ColumnRename.StartAsync(postgres, "postgres", "tbwa", "ppm_expense_analysis", "gross_amount");
            // Before any refresh the dataset still lists it: the query fails in the database, and that is a broken chart, not a server error.
            var unrefreshed = await Assert.ThrowsAsync<ChartBrokenException>(() => QueryAsync(platform, "spend_by_category"));
            Assert.Contains("gross_amount", unrefreshed.Message, StringComparison.Ordinal);

            var broke = await RefreshAsync(platform);

            Assert.True(broke.Changed);
            var change = Assert.Single(broke.ChangedDatasets);
            Assert.Equal("ppm_expense_analysis", change.Dataset);
            Assert.Equal(["gross_amount_before"], change.Added.Select(c => c.Name));
            Assert.Equal(["gross_amount"], change.Removed.Select(c => c.Name));
            Assert.Equal(["spend_by_category", "spend_by_month"], broke.BrokenCharts.Select(c => c.Key).Order());
            var spend = broke.BrokenCharts.Single(c => c.Key == "spend_by_category");
            Assert.Equal(("agency-finance", "ppm_expense_analysis", "Column 'gross_amount' is no longer in dataset ppm_expense_analysis."),
                (spend.Dashboard, spend.Dataset, spend.Reason));
            Assert.Equal(spend.Reason, (await ChartAsync(platform, "spend_by_category")).Chart.BrokenReason);
            var refused = await Assert.ThrowsAsync<ChartBrokenException>(() => QueryAsync(platform, "spend_by_category"));
            Assert.Equal(spend.Reason, refused.Message);
            // The other charts of the dataset still draw.
            Assert.NotEmpty((await QueryAsync(platform, "withholding_by_atc")).Rows);

            await renamed.UndoAsync();
            var healed = await RefreshAsync(platform);

            Assert.Equal(["spend_by_category", "spend_by_month"], healed.HealedCharts.Select(c => c.Key).Order());
            Assert.All(healed.HealedCharts, c => Assert.Null(c.Reason));
            Assert.Empty(healed.BrokenCharts);
            Assert.Null((await ChartAsync(platform, "spend_by_category")).Chart.BrokenReason);
            Assert.NotEmpty((await QueryAsync(platform, "spend_by_category")).Rows);

            var again = await RefreshAsync(platform);
            Assert.False(again.Changed, again.Summary);
            Assert.Equal("tbwa: nothing changed", again.Summary);
        }
        finally
        {
            await RefreshAsync(platform);
        }
    }

    [Fact]
    public async Task A_relation_that_is_gone_breaks_all_its_charts_and_keeps_its_last_columns_until_it_returns()
    {
        var platform = await PlatformAsync();
        var before = await platform.Get<BiMetadata>().DatasetAsync("tbwa", "ppm_project_budget_status", CancellationToken.None);
        try
        {
            await AlterAsync("ALTER VIEW tbwa.ppm_project_budget_status RENAME TO ppm_project_budget_status_away");
            var gone = await RefreshAsync(platform);

            Assert.Equal(["ppm_project_budget_status"], gone.MissingRelations);
            Assert.Empty(gone.ChangedDatasets);
            Assert.Equal(6, gone.BrokenCharts.Count);
            Assert.All(gone.BrokenCharts, c => Assert.Equal(
                "Dataset ppm_project_budget_status is no longer available: tbwa.ppm_project_budget_status does not exist.", c.Reason));
            Assert.Equal(before!.Columns, (await platform.Get<BiMetadata>().DatasetAsync("tbwa", "ppm_project_budget_status", CancellationToken.None))!.Columns);
            var still = await RefreshAsync(platform);
            Assert.False(still.Changed);
            Assert.Equal(6, still.StillBroken.Count);
            Assert.Contains("6 chart(s) still broken; missing: ppm_project_budget_status", still.Summary, StringComparison.Ordinal);

            await AlterAsync("ALTER VIEW tbwa.ppm_project_budget_status_away RENAME TO ppm_project_budget_status");
            var back = await RefreshAsync(platform);

            Assert.Equal(6, back.HealedCharts.Count);
            Assert.Empty(back.MissingRelations);
            Assert.NotEmpty((await QueryAsync(platform, "budget_status")).Rows);
        }
        finally
        {
            await AlterAsync("ALTER VIEW IF EXISTS tbwa.ppm_project_budget_status_away RENAME TO ppm_project_budget_status");
            await RefreshAsync(platform);
        }
    }

    [Fact]
    public async Task A_refresh_waits_for_the_workspace_lock_that_provisioning_holds()
    {
        var platform = await PlatformAsync();
        await using var holder = await platform.OpenPlatformAsync();
        await using var transaction = await holder.BeginTransactionAsync();
        await holder.ExecuteAsync("SELECT 1 FROM ipai_bi_workspace WHERE tenant_code = 'tbwa' FOR UPDATE", transaction: transaction);

        var refresh = RefreshAsync(platform);
        var first = await Task.WhenAny(refresh, Task.Delay(TimeSpan.FromSeconds(1)));
        Assert.NotSame(refresh, first);
        await transaction.CommitAsync();

        Assert.False((await refresh.WaitAsync(TimeSpan.FromSeconds(30))).Changed);
    }

    [Fact]
    public async Task A_tenant_without_a_workspace_or_whose_database_is_gone_has_nothing_to_refresh()
    {
        var platform = await PlatformAsync();
        Assert.Equal("no such tenant", (await RefreshAsync(platform, "nosuch")).Skipped);
        var platformTenant = await RefreshAsync(platform, "platform");
        Assert.Null(platformTenant.Skipped);
        Assert.False(platformTenant.Changed, "the platform tenant's workspace has no dataset");

        var registry = platform.Registry;
        await registry.CreateAsync(Tenant.New("refresh_draft", "Refresh draft"), CancellationToken.None);
        try
        {
            var draft = await RefreshAsync(platform, "refresh_draft");
            Assert.Equal("the tenant has no BI workspace", draft.Skipped);
            Assert.Equal("refresh_draft: nothing to refresh (the tenant has no BI workspace)", draft.Summary);

            // A workspace with a dataset of the tenant's database, which was never created.
            await using (var platformDb = await platform.OpenPlatformAsync())
            {
                await platformDb.ExecuteAsync("""
                    INSERT INTO ipai_bi_workspace (tenant_code, name) VALUES ('refresh_draft', 'refresh_draft');
                    INSERT INTO ipai_bi_dataset (tenant_code, name, store, relation, columns) VALUES ('refresh_draft', 'res_users', 'database', 'res_users', '[]');
                    """);
            }
            Assert.Equal("its database odoo_refresh_draft does not exist", (await RefreshAsync(platform, "refresh_draft")).Skipped);
        }
        finally
        {
            // Archived (only an archived record may be deleted): nothing to refresh either.
            await registry.SetStateAsync("refresh_draft", TenantState.Archived, CancellationToken.None);
            Assert.Equal("the tenant is archived", (await RefreshAsync(platform, "refresh_draft")).Skipped);
            await registry.DeleteAsync("refresh_draft", CancellationToken.None);
        }
    }

    [Fact]
    public async Task Bi_datasets_json_lists_columns_with_types_and_charts_with_their_broken_reason()
    {
        var platform = await PlatformAsync();
        try
        {
            await using (await ColumnRename.StartAsync(postgres, "postgres", "tbwa", "ppm_expense_report", "state"))
            {
                var refresh = await platform.CliAsync("bi", "refresh", "tbwa");
                Assert.True(refresh.ExitCode == 0, refresh.ToString());
                Assert.Contains("! broken agency-finance/reports_by_state: Column 'state' is no longer in dataset ppm_expense_report.", refresh.Output, StringComparison.Ordinal);

                var run = await platform.CliAsync("bi", "datasets", "tbwa", "--json");

                Assert.True(run.ExitCode == 0, run.ToString());
                var datasets = run.Json().EnumerateArray().ToList();
                Assert.Equal(["ppm_expense_analysis", "ppm_expense_report", "ppm_project_budget_status"], datasets.Select(d => d.GetProperty("name").GetString()));
                var report = datasets.Single(d => d.GetProperty("name").GetString() == "ppm_expense_report");
                Assert.Equal(("schema", "ppm_expense_report", "tbwa"),
                    (report.GetProperty("store").GetString(), report.GetProperty("relation").GetString(), report.GetProperty("schema").GetString()));
                Assert.Contains(report.GetProperty("columns").EnumerateArray(), c => c.GetProperty("name").GetString() == "period" && c.GetProperty("type").GetString() == "date");
                var charts = report.GetProperty("charts").EnumerateArray().ToDictionary(c => c.GetProperty("key").GetString()!, c => c.GetProperty("broken_reason").GetString());
                Assert.Equal("Column 'state' is no longer in dataset ppm_expense_report.", charts["reports_by_state"]);
                Assert.Equal("agency-finance", report.GetProperty("charts")[0].GetProperty("dashboard").GetString());
                Assert.Null(datasets.Single(d => d.GetProperty("name").GetString() == "ppm_project_budget_status").GetProperty("charts")[0].GetProperty("broken_reason").GetString());

                var table = await platform.CliAsync("bi", "datasets", "tbwa");
                Assert.Contains("agency-finance/reports_by_state BROKEN:", table.Output, StringComparison.Ordinal);
                var unknown = await platform.CliAsync("bi", "datasets", "nosuch");
                Assert.Equal(1, unknown.ExitCode);
            }
            var healed = await platform.CliAsync("bi", "refresh", "tbwa");
            Assert.Contains("+ healed agency-finance/reports_by_state", healed.Output, StringComparison.Ordinal);
        }
        finally
        {
            await RefreshAsync(platform);
        }
    }
}
