using System.Globalization;
using Dapper;
using InsightPulse.Core.Demo;
using InsightPulse.Core.Finance;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// Demo data on a platform set up as <c>make up</c> does it (<c>./ipai up</c>: tbwa and scout get theirs). Tests that
/// remove or add rows put the platform back as they found it: demo data loaded into tbwa and scout, nothing else.
/// </summary>
[Collection(Lanes.C)]
public sealed class DemoDataTests(PostgresFixture postgres, SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    private Task<PlatformScope> PlatformAsync() => shared.GetAsync(postgres, async scope =>
    {
        var up = await scope.CliAsync("up", "--no-serve");
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Contains("+ demo tbwa", up.Error, StringComparison.Ordinal);
        Assert.Contains("+ demo scout", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("demo platform", up.Error, StringComparison.Ordinal);
    });

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Demo rows of a tenant's finance tables (the test server's admin reads past RLS).</summary>
    private async Task<(long Agencies, long Projects, long Reports, long Lines)> FinanceRowsAsync(string schema, bool demoOnly = true)
    {
        await using var data = await OpenAsync("postgres");
        var filter = demoOnly ? "WHERE starts_with(p.code, 'DEMO-')" : "";
        return await data.QuerySingleAsync<(long, long, long, long)>($"""
            SELECT (SELECT count(*) FROM {schema}.ppm_agency p {filter}),
                   (SELECT count(*) FROM {schema}.ppm_project p {filter}),
                   (SELECT count(*) FROM {schema}.ppm_expense_report r JOIN {schema}.ppm_project p ON p.id = r.project_id {filter}),
                   (SELECT count(*) FROM {schema}.ppm_expense_line l JOIN {schema}.ppm_expense_report r ON r.id = l.report_id
                        JOIN {schema}.ppm_project p ON p.id = r.project_id {filter})
            """);
    }

    private async Task<DateOnly> AsOfAsync(string code)
    {
        await using var platform = await OpenAsync("odoo_platform");
        return DateOnly.FromDateTime(await platform.ExecuteScalarAsync<DateTime>("SELECT as_of::timestamp FROM ipai_tenant_demo WHERE tenant_code = @code AND state = 'loaded'", new { code }));
    }

    [Fact]
    public async Task Up_loads_the_demo_of_each_tenant_once_and_a_second_up_finds_nothing_to_do()
    {
        var platform = await PlatformAsync();

        var again = await platform.CliAsync("up", "--no-serve");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("= demo data", again.Error, StringComparison.Ordinal);
        Assert.Contains("loaded before: scout, tbwa", again.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("+ ", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_finance_demo_has_a_year_of_reports_for_twelve_projects_of_four_agencies()
    {
        var platform = await PlatformAsync();
        var expected = FinanceDemo.Generate(await AsOfAsync("tbwa"), FinanceDemo.DefaultAtcCodes.ToDictionary(c => c.Code, c => c.Rate));

        Assert.Equal((4L, 12L, (long)expected.Reports.Count, (long)expected.LineCount), await FinanceRowsAsync("tbwa"));
        Assert.Equal((4L, 12L, (long)expected.Reports.Count, (long)expected.LineCount), await FinanceRowsAsync("scout"));
        // Through the pages' own store, as the runtime role: spend against budget, two projects over it.
        var tbwa = await platform.Registry.GetAsync("tbwa", CancellationToken.None);
        var budgets = await platform.Get<ProjectStore>().ListAsync(tbwa, CancellationToken.None);
        Assert.Equal(12, budgets.Count);
        Assert.Equal(["DEMO-P03", "DEMO-P12"], budgets.Where(b => b.PercentUsed > 100).Select(b => b.ProjectCode));
        Assert.All(budgets, b => Assert.True(b.TotalGrossSpent > 0 && b.TotalWithholding > 0, b.ProjectCode));
        await using var data = await OpenAsync("postgres");
        var months = await data.QueryAsync<(DateTime Period, long Reports)>("SELECT period::timestamp, count(*) FROM tbwa.ppm_expense_report GROUP BY 1 ORDER BY 1");
        Assert.Equal(Enumerable.Range(0, 12).Select(m => expected.FirstMonth.AddMonths(m).ToDateTime(TimeOnly.MinValue)), months.Select(m => m.Period));
        var states = (await data.QueryAsync<string>("SELECT DISTINCT state FROM tbwa.ppm_expense_report ORDER BY 1")).ToList();
        Assert.Equal(["approved", "draft", "paid", "rejected", "submitted"], states);
    }

    [Fact]
    public async Task Every_demo_line_withholds_by_the_rule_at_its_atc_codes_rate_in_the_tenants_table()
    {
        await PlatformAsync();
        await using var data = await OpenAsync("postgres");

        var lines = await data.QuerySingleAsync<(long Total, long WithAtc, long Codes, long OffRule, long OffRate)>("""
            SELECT count(*),
                   count(*) FILTER (WHERE l.atc_code IS NOT NULL),
                   count(DISTINCT l.atc_code),
                   count(*) FILTER (WHERE l.withholding_amount <> round((l.gross_amount - l.vat_amount) * l.withholding_rate, 2)),
                   count(*) FILTER (WHERE l.atc_code IS NOT NULL AND l.withholding_rate IS DISTINCT FROM a.rate)
            FROM tbwa.ppm_expense_line l
            LEFT JOIN tbwa.bir_atc_code a ON a.tenant_id = l.tenant_id AND a.atc_code = l.atc_code
            """);

        Assert.True(lines.Total > 500, $"{lines.Total} lines");
        Assert.True(lines.WithAtc > lines.Total / 2, $"{lines.WithAtc} of {lines.Total} lines withhold");
        Assert.True(lines.Codes >= 10, $"{lines.Codes} ATC codes");
        Assert.Equal(0, lines.OffRule);
        Assert.Equal(0, lines.OffRate);
    }

    [Fact]
    public async Task Another_tenant_sees_none_of_tbwas_demo_rows()
    {
        var platform = await PlatformAsync();
        const string app = "ipai_app", bi = "ipai_bi";
        const string Count = """
            SELECT (SELECT count(*) FROM tbwa.ppm_agency) + (SELECT count(*) FROM tbwa.ppm_project)
                 + (SELECT count(*) FROM tbwa.ppm_expense_report) + (SELECT count(*) FROM tbwa.ppm_expense_line)
            """;

        foreach (var source in new[] { app, bi })
        {
            Assert.True(await ScoutScope.AsTenantAsync(platform, source, "tbwa", (c, t) => c.ExecuteScalarAsync<long>(Count, transaction: t)) > 500);
            foreach (var other in new[] { "scout", "platform", "retail_001" })
            {
                Assert.Equal(0, await ScoutScope.AsTenantAsync(platform, source, other, (c, t) => c.ExecuteScalarAsync<long>(Count, transaction: t)));
            }
            Assert.Equal(0, await ScoutScope.AsTenantAsync(platform, source, null, (c, t) => c.ExecuteScalarAsync<long>(Count, transaction: t)));
        }
        // Scout has finance demo rows of its own, with the same codes: its pages list its rows, not tbwa's.
        var scout = await platform.Registry.GetAsync("scout", CancellationToken.None);
        var agencies = await platform.Get<AgencyStore>().ListAsync(scout, CancellationToken.None);
        Assert.Equal(4, agencies.Count);
    }

    [Fact]
    public async Task The_scout_demo_fills_the_bi_views_and_the_k_anonymous_shared_views()
    {
        var platform = await PlatformAsync();
        var asOf = await AsOfAsync("scout");
        const string app = "ipai_app", bi = "ipai_bi";

        var own = await ScoutScope.AsTenantAsync(platform, bi, "scout", (c, t) => c.QuerySingleAsync<(long Rows, DateTime First, DateTime Last, long Days)>(
            "SELECT count(*), min(transaction_date)::timestamp, max(transaction_date)::timestamp, (SELECT count(*) FROM scout.bi_transaction_summary_daily) FROM scout.bi_fact_transactions",
            transaction: t));
        Assert.Equal(ScoutDemo.TenantRows, own.Rows);
        Assert.Equal(asOf.AddDays(-ScoutDemo.Days).ToDateTime(TimeOnly.MinValue), own.First);
        Assert.Equal(asOf.AddDays(-1).ToDateTime(TimeOnly.MinValue), own.Last);
        Assert.Equal(ScoutDemo.Days, own.Days);
        foreach (var view in new[] { "bi_product_performance", "bi_store_performance", "bi_competitive_analysis", "bi_hourly_patterns", "bi_basket_analysis" })
        {
            Assert.True(await ScoutScope.AsTenantAsync(platform, bi, "scout", (c, t) => c.ExecuteScalarAsync<long>($"SELECT count(*) FROM scout.{view}", transaction: t)) > 0, view);
        }
        foreach (var view in new[] { "shared_retail_region_category_month", "shared_retail_brand_month" })
        {
            var cells = await ScoutScope.AsTenantAsync(platform, app, "scout", (c, t) => c.QuerySingleAsync<(long Cells, int MinTenants)>(
                $"SELECT count(*), coalesce(min(tenant_count), 0)::int FROM scout.{view}", transaction: t));
            Assert.True(cells.Cells > 0, view);
            Assert.True(cells.MinTenants >= 3, view);
        }
        await using var data = await OpenAsync("postgres");
        var retail = await data.QueryAsync<(string Tenant, long Rows)>(
            "SELECT tenant_id, count(*) FROM scout.scout_transactions WHERE tenant_id <> 'scout' GROUP BY 1 ORDER BY 1");
        Assert.Equal(ScoutDemo.ForRetailTenants(asOf).Select(g => (g.TenantCode, (long)g.Rows)), retail);
        Assert.Equal(0, await data.ExecuteScalarAsync<long>("SELECT count(*) FROM scout.scout_transactions WHERE NOT starts_with(store_id, 'DEMO-')"));
    }

    [Fact]
    public async Task Loading_again_changes_nothing()
    {
        var platform = await PlatformAsync();
        var before = await FinanceRowsAsync("tbwa");

        var again = await platform.Get<DemoData>().LoadAsync("tbwa", CancellationToken.None);

        Assert.False(again.Acted);
        Assert.Contains("loaded before", again.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await FinanceRowsAsync("tbwa"));
    }

    [Fact]
    public async Task Remove_deletes_only_demo_rows_and_up_does_not_load_them_again()
    {
        var platform = await PlatformAsync();
        var demo = platform.Get<DemoData>();
        var tbwa = await platform.Registry.GetAsync("tbwa", CancellationToken.None);
        var agencies = platform.Get<AgencyStore>();
        var projects = platform.Get<ProjectStore>();
        var reports = platform.Get<ExpenseReportStore>();
        var lines = platform.Get<ExpenseLineStore>();
        var ct = CancellationToken.None;

        // The operator's own rows, created before a load, and a report of theirs on a demo project after it.
        Assert.True((await demo.RemoveAsync("tbwa", ct)).Acted);
        var agency = await agencies.CreateAsync(tbwa, new AgencyInput("OWN", "Own Agency, Inc.", "111-222-333-000", null), ct);
        var project = await projects.CreateAsync(tbwa, new ProjectForm(agency.Id.ToString(CultureInfo.InvariantCulture), "OWN-1", "Own project", null, "100000", "PHP", null, null, "active"), ct);
        var report = await reports.CreateAsync(tbwa, new ExpenseReportForm(project.Id.ToString(CultureInfo.InvariantCulture), "Own Employee", null, "2026-01", null), ct);
        await lines.AddAsync(tbwa, report.Id, new ExpenseLineForm("2026-01-05", "Own expense", null, null, "meals", "1120", "120", "WC160", null), ct);
        Assert.True((await demo.LoadAsync("tbwa", ct)).Acted);
        var demoProject = (await projects.ListAsync(tbwa, ct)).Single(p => p.ProjectCode == "DEMO-P01");
        var onDemo = await reports.CreateAsync(tbwa, new ExpenseReportForm(demoProject.ProjectId.ToString(CultureInfo.InvariantCulture), "Own Employee", null, "2026-02", null), ct);

        var removed = await platform.CliAsync("demo", "remove", "tbwa", "--json");

        Assert.True(removed.ExitCode == 0, removed.ToString());
        var json = removed.Json();
        Assert.True(json.GetProperty("acted").GetBoolean());
        Assert.Equal(3, json.GetProperty("rows").GetProperty("agencies").GetInt32());
        Assert.Equal(11, json.GetProperty("rows").GetProperty("projects").GetInt32());
        Assert.Contains("kept DEMO-MNL, DEMO-P01", json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal((2L, 2L, 2L, 1L), await FinanceRowsAsync("tbwa", demoOnly: false));
        Assert.Equal(["Perlas Sparkling Calamansi launch", "Own project"], (await projects.ListAsync(tbwa, ct)).Select(p => p.ProjectName));
        Assert.Equal(["Own expense"], (await lines.ListAsync(tbwa, report.Id, ct)).Select(l => l.Description));
        Assert.Equal(12, (await FinanceRowsAsync("scout")).Projects); // another tenant's demo is not touched

        var up = await platform.CliAsync("up", "--no-serve");
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Contains("removed by the operator: tbwa", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("+ demo tbwa", up.Error, StringComparison.Ordinal);
        Assert.Equal((2L, 2L, 2L, 1L), await FinanceRowsAsync("tbwa", demoOnly: false));
        var status = (await demo.StatusAsync(ct)).Single(s => s.Tenant == "tbwa");
        Assert.Equal(DemoState.Removed, status.State);

        // Loading over demo rows the operator's reports still use is refused, with the way out.
        var refused = await Assert.ThrowsAsync<DemoDataException>(() => demo.LoadAsync("tbwa", ct));
        Assert.Contains("DEMO-P01", refused.Message, StringComparison.Ordinal);

        // Back as found: the operator's rows gone, the demo loaded.
        await reports.DeleteAsync(tbwa, onDemo.Id, ct);
        await reports.DeleteAsync(tbwa, report.Id, ct);
        await projects.DeleteAsync(tbwa, project.Id, ct);
        await agencies.DeleteAsync(tbwa, agency.Id, ct);
        var reloaded = await platform.CliAsync("demo", "load", "tbwa");
        Assert.True(reloaded.ExitCode == 0, reloaded.ToString());
        Assert.Contains("+ demo tbwa", reloaded.Error, StringComparison.Ordinal);
        var expected = FinanceDemo.Generate(await AsOfAsync("tbwa"), FinanceDemo.DefaultAtcCodes.ToDictionary(c => c.Code, c => c.Rate));
        Assert.Equal((4L, 12L, (long)expected.Reports.Count, (long)expected.LineCount), await FinanceRowsAsync("tbwa", demoOnly: false));
    }

    [Fact]
    public async Task The_cli_loads_removes_and_reports_status_with_exit_codes_and_fixes()
    {
        var platform = await PlatformAsync();

        var status = await platform.CliAsync("demo", "status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var tenants = status.Json().EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!);
        Assert.Equal("nothing_to_load", tenants["platform"].GetProperty("state").GetString());
        Assert.Equal("loaded", tenants["tbwa"].GetProperty("state").GetString());
        Assert.Equal(DemoData.GeneratorVersion, tenants["tbwa"].GetProperty("generator_version").GetString());
        Assert.Equal(["finance"], tenants["tbwa"].GetProperty("content").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["finance", "scout"], tenants["scout"].GetProperty("content").EnumerateArray().Select(c => c.GetString()));
        Assert.Contains("30,000 Scout transactions", tenants["scout"].GetProperty("summary").GetString(), StringComparison.Ordinal);
        var table = await platform.CliAsync("demo", "status");
        Assert.Contains("none for its modules", table.Output, StringComparison.Ordinal);

        var loaded = await platform.CliAsync("demo", "load", "tbwa");
        Assert.True(loaded.ExitCode == 0, loaded.ToString());
        Assert.Contains("= demo tbwa", loaded.Error, StringComparison.Ordinal);
        var nothing = await platform.CliAsync("demo", "load", "platform", "--json");
        Assert.True(nothing.ExitCode == 0, nothing.ToString());
        Assert.False(nothing.Json().GetProperty("acted").GetBoolean());
        Assert.StartsWith("nothing to load", nothing.Json().GetProperty("detail").GetString(), StringComparison.Ordinal);

        var unknown = await platform.CliAsync("demo", "load", "nosuch");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("Tenant code not found", unknown.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await platform.CliAsync("demo", "load")).ExitCode);

        await platform.Registry.CreateAsync(Tenant.New("acme", "Acme Agency"), CancellationToken.None);
        await platform.Get<TenantModules>().AddAsync("acme", DemoData.FinanceModule, CancellationToken.None);
        try
        {
            var draft = await platform.CliAsync("demo", "load", "acme");
            Assert.Equal(1, draft.ExitCode);
            Assert.Contains("Tenant acme is draft", draft.Error, StringComparison.Ordinal);
            Assert.Contains("`./ipai tenant provision acme`", draft.Error, StringComparison.Ordinal);
        }
        finally
        {
            await using var connection = await OpenAsync("odoo_platform");
            await connection.ExecuteAsync("DELETE FROM ipai_tenant WHERE code = 'acme'");
        }
    }
}
