using Dapper;
using InsightPulse.Core.Bootstrap;
using InsightPulse.Core.Demo;
using InsightPulse.Core.ScoutData;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// Demo data on fresh platforms: <c>up --without-demo</c> loads none, and two platforms loaded on the same day hold
/// identical demo rows (ids and timestamps of writing aside).
/// </summary>
[Collection(Lanes.C)]
public sealed class DemoDeterminismTests(PostgresFixture postgres)
{
    /// <summary>The day both platforms load on: the finance year ends with its month, the Scout rows the day before.</summary>
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private static readonly FixedTime Day = new(new DateTimeOffset(2026, 3, 10, 2, 30, 0, TimeSpan.Zero));

    /// <summary>
    /// A checksum of every demo-relevant row, named by codes instead of ids: the finance tables of tbwa and scout
    /// (reports and lines by project code, employee and month), and every Scout transaction but its id.
    /// </summary>
    private async Task<IReadOnlyList<(string Table, long Rows, string Checksum)>> ChecksumsAsync()
    {
        await using var data = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await data.OpenAsync();
        await data.ExecuteAsync("SET TimeZone = 'UTC'");
        var queries = new List<(string, string)>();
        foreach (var schema in new[] { "tbwa", "scout" })
        {
            queries.Add(($"{schema}.ppm_agency", $"SELECT (a.tenant_id, a.code, a.name, a.tin, a.registered_address, a.active)::text FROM {schema}.ppm_agency a"));
            queries.Add(($"{schema}.ppm_project", $"""
                SELECT (p.tenant_id, a.code, p.code, p.name, p.client_name, p.budget_amount, p.currency, p.start_date, p.end_date, p.state)::text
                FROM {schema}.ppm_project p JOIN {schema}.ppm_agency a ON a.id = p.agency_id
                """));
            queries.Add(($"{schema}.ppm_expense_report", $"""
                SELECT (r.tenant_id, p.code, r.employee_name, r.report_date, r.period, r.state, r.notes)::text
                FROM {schema}.ppm_expense_report r JOIN {schema}.ppm_project p ON p.id = r.project_id
                """));
            queries.Add(($"{schema}.ppm_expense_line", $"""
                SELECT (l.tenant_id, p.code, r.employee_name, r.period, l.line_date, l.description, l.vendor_name, l.vendor_tin, l.category,
                        l.gross_amount, l.vat_amount, l.atc_code, l.withholding_rate, l.withholding_amount, l.net_amount)::text
                FROM {schema}.ppm_expense_line l JOIN {schema}.ppm_expense_report r ON r.id = l.report_id JOIN {schema}.ppm_project p ON p.id = r.project_id
                """));
        }
        queries.Add(("scout.scout_transactions", $"SELECT ({ScoutSeeder.Columns})::text FROM scout.scout_transactions"));
        var sums = new List<(string, long, string)>();
        foreach (var (table, query) in queries)
        {
            var (rows, sum) = await data.QuerySingleAsync<(long, string)>($"SELECT count(*), md5(coalesce(string_agg(md5(r), '' ORDER BY md5(r)), '')) FROM ({query}) AS x (r)");
            sums.Add((table, rows, sum));
        }
        return sums;
    }

    [Fact]
    public async Task Up_without_demo_loads_none_and_two_platforms_load_identical_demo_rows()
    {
        IReadOnlyList<(string Table, long Rows, string Checksum)> first;
        await using (var platform = await PlatformScope.CreateAsync(postgres))
        {
            var up = await platform.CliAsync("up", "--no-serve", "--without-demo");

            Assert.True(up.ExitCode == 0, up.ToString());
            Assert.DoesNotContain("  = demo", up.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("  + demo", up.Error, StringComparison.Ordinal);
            Assert.All(await ChecksumsAsync(), t => Assert.True(t.Rows == 0, $"{t.Table}: {t.Rows} rows"));
            await using (var connection = await platform.OpenPlatformAsync())
            {
                Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM ipai_tenant_demo"));
            }
            await using var services = platform.NewServices(Day);
            var demo = services.GetRequiredService<DemoData>();
            Assert.True((await demo.LoadAsync("tbwa", CancellationToken.None)).Acted);
            var scout = await demo.LoadAsync("scout", CancellationToken.None);
            Assert.True(scout.Acted);
            Assert.Equal((ScoutDemo.TenantRows, ScoutDemo.RetailTenants * ScoutDemo.RowsPerRetailTenant), (scout.Counts.ScoutTransactions, scout.Counts.RetailTransactions));
            first = await ChecksumsAsync();
        }

        await using (var platform = await PlatformScope.CreateAsync(postgres))
        {
            await using var services = platform.NewServices(Day);
            var steps = await services.GetRequiredService<PlatformBootstrapper>().UpAsync(new PlatformBootstrapper.Options(LoadDemo: true), null, CancellationToken.None);

            Assert.DoesNotContain(steps, s => s.Failed);
            Assert.Equal(["demo scout", "demo tbwa"], steps.Where(s => s.Step.StartsWith("demo", StringComparison.Ordinal) && s.Acted).Select(s => s.Step).Order());
            Assert.Equal(first, await ChecksumsAsync());
        }
        Assert.All(first, t => Assert.True(t.Rows > 0, t.Table));
    }
}
