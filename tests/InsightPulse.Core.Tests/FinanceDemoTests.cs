using System.Globalization;
using InsightPulse.Core.Demo;
using InsightPulse.Core.Finance;

namespace InsightPulse.Core.Tests;

/// <summary>The finance demo: deterministic per month, shaped for the agency finance dashboard, valid under the forms' own rules.</summary>
public sealed class FinanceDemoTests
{
    private static readonly DateOnly Month = new(2026, 11, 17);
    private static readonly IReadOnlyDictionary<string, decimal> Rates = FinanceDemo.DefaultAtcCodes.ToDictionary(c => c.Code, c => c.Rate);

    private static string Text(FinanceDemoSet set) => string.Join("\n",
        set.Agencies.Select(a => a.ToString())
            .Concat(set.Projects.Select(p => p.ToString()))
            .Concat(set.Reports.Select(r => $"{r with { Lines = [] }}: {string.Join("; ", r.Lines)}")));

    [Fact]
    public void The_same_month_gives_the_same_rows_and_another_month_moves_them()
    {
        var first = FinanceDemo.Generate(Month, Rates);
        var again = FinanceDemo.Generate(new DateOnly(2026, 11, 30), Rates);
        var next = FinanceDemo.Generate(new DateOnly(2026, 12, 1), Rates);

        Assert.Equal(Text(first), Text(again));
        Assert.NotEqual(Text(first), Text(next));
        Assert.Equal(new DateOnly(2025, 12, 1), first.FirstMonth);
        Assert.Equal(new DateOnly(2026, 11, 1), first.LastMonth);
    }

    [Fact]
    public void Four_agencies_and_twelve_projects_have_a_year_of_monthly_reports_with_lines()
    {
        var set = FinanceDemo.Generate(Month, Rates);

        Assert.Equal(4, set.Agencies.Count);
        Assert.Equal(12, set.Projects.Count);
        Assert.All(set.Agencies, a => Assert.StartsWith(DemoData.Marker, a.Code, StringComparison.Ordinal));
        Assert.All(set.Projects, p => Assert.StartsWith(DemoData.Marker, p.Code, StringComparison.Ordinal));
        Assert.All(set.Projects, p => Assert.Contains(set.Agencies, a => a.Code == p.AgencyCode));
        var months = Enumerable.Range(0, 12).Select(m => set.FirstMonth.AddMonths(m)).ToList();
        Assert.All(set.Projects, p => Assert.Equal(months, set.Reports.Where(r => r.ProjectCode == p.Code).Select(r => r.Period).Distinct().Order()));
        Assert.InRange(set.Reports.Count, 12 * 12, 12 * 12 * 2);
        Assert.All(set.Reports, r => Assert.InRange(r.Lines.Count, 3, 7));
        Assert.All(set.Reports, r => Assert.All(r.Lines, l => Assert.Equal(r.Period.Month, l.LineDate.Month)));
        // One report per employee, project and month: what finds a report's id once written.
        Assert.Equal(set.Reports.Count, set.Reports.Select(r => (r.ProjectCode, r.Period, r.EmployeeName)).Distinct().Count());
        Assert.Equal(ExpenseCategories.All.Select(c => c.Code).Order(), set.Reports.SelectMany(r => r.Lines).Select(l => l.Category).Distinct().Order());
    }

    [Fact]
    public void Old_months_are_settled_and_recent_ones_in_flight()
    {
        var set = FinanceDemo.Generate(Month, Rates);
        var byAge = set.Reports.ToLookup(r => (set.LastMonth.Year - r.Period.Year) * 12 + set.LastMonth.Month - r.Period.Month);

        Assert.All(byAge[0], r => Assert.Contains(r.State, new[] { ExpenseReportStates.Draft, ExpenseReportStates.Submitted }));
        var old = byAge.Where(g => g.Key >= 3).SelectMany(g => g).ToList();
        Assert.All(old, r => Assert.Contains(r.State, new[] { ExpenseReportStates.Approved, ExpenseReportStates.Paid, ExpenseReportStates.Rejected }));
        Assert.True(old.Count(r => r.State == ExpenseReportStates.Paid) > old.Count / 2, "old months: mostly paid");
        Assert.Equal(ExpenseReportStates.All.Order(), set.Reports.Select(r => r.State).Distinct().Order());
    }

    [Fact]
    public void Two_projects_end_over_budget_and_two_near_it()
    {
        var set = FinanceDemo.Generate(Month, Rates);
        var used = set.Projects.ToDictionary(p => p.Code, p => set.Reports
            .Where(r => r.ProjectCode == p.Code && r.State is ExpenseReportStates.Approved or ExpenseReportStates.Paid)
            .SelectMany(r => r.Lines).Sum(l => l.GrossAmount) / p.BudgetAmount);

        Assert.Equal(["DEMO-P03", "DEMO-P12"], used.Where(u => u.Value > 1).Select(u => u.Key).Order());
        Assert.Equal(["DEMO-P06", "DEMO-P09"], used.Where(u => u.Value is > 0.9m and <= 1).Select(u => u.Key).Order());
        Assert.All(set.Projects, p => Assert.InRange(p.BudgetAmount, 500_000m, 10_000_000m));
    }

    [Fact]
    public void Every_row_passes_the_forms_validation_and_withholding_follows_the_atc_rates()
    {
        var set = FinanceDemo.Generate(Month, Rates);
        string Amount(decimal value) => value.ToString("0.00", CultureInfo.InvariantCulture);

        Assert.All(set.Agencies, a => Assert.Empty(FinanceValidation.Agency(a, out _)));
        Assert.All(set.Projects, p => Assert.Empty(FinanceValidation.Project(new ProjectForm("1", p.Code, p.Name, p.ClientName, Amount(p.BudgetAmount), "PHP",
            p.StartDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), p.EndDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), p.State), out _)));
        Assert.All(set.Reports, r => Assert.Empty(FinanceValidation.Report(new ExpenseReportForm("1", r.EmployeeName,
            r.ReportDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.Period.ToString("yyyy-MM", CultureInfo.InvariantCulture), r.Notes), DateTime.Today, out _)));
        var lines = set.Reports.SelectMany(r => r.Lines).ToList();
        Assert.All(lines, l =>
        {
            var form = new ExpenseLineForm(l.LineDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), l.Description, l.VendorName, l.VendorTin, l.Category,
                Amount(l.GrossAmount), Amount(l.VatAmount), l.AtcCode, null);
            Assert.Empty(FinanceValidation.Line(form, Rates, out var parsed));
            Assert.Equal(l, parsed);
            Assert.Equal(Math.Round((l.GrossAmount - l.VatAmount) * l.WithholdingRate, 2, MidpointRounding.AwayFromZero), l.WithholdingAmount);
        });
        Assert.Contains(lines, l => l.VatAmount == 0);
        Assert.Contains(lines, l => l.AtcCode is null);
        Assert.True(lines.Select(l => l.AtcCode).Distinct().Count() >= 10, "vendors of every kind: many ATC codes");
        Assert.Contains(lines, l => l.AtcCode == "WC158");
        Assert.Contains(lines, l => l.AtcCode == "WI010");
        Assert.Contains(lines, l => l.AtcCode == "WC100");
    }

    [Fact]
    public void A_vendor_whose_code_the_tenant_lacks_is_paid_without_withholding_and_a_changed_rate_is_used()
    {
        var rates = Rates.Where(r => r.Key != "WC160").ToDictionary(r => r.Key, r => r.Key == "WC158" ? 0.015m : r.Value);

        var lines = FinanceDemo.Generate(Month, rates).Reports.SelectMany(r => r.Lines).ToList();

        Assert.DoesNotContain(lines, l => l.AtcCode == "WC160");
        Assert.All(lines.Where(l => l.AtcCode == "WC158"), l => Assert.Equal(0.015m, l.WithholdingRate));
        Assert.All(lines.Where(l => l.AtcCode is null), l => Assert.Equal(0m, l.WithholdingAmount));
    }

    [Fact]
    public void The_scout_demo_marks_its_stores_and_covers_the_ninety_days_before_today()
    {
        var today = new DateOnly(2026, 11, 17);
        var own = ScoutDemo.ForTenant("scout", today);
        var retail = ScoutDemo.ForRetailTenants(today);

        Assert.Equal(["retail_001", "retail_002", "retail_003", "retail_004", "retail_005", "retail_006"], retail.Select(g => g.TenantCode));
        Assert.All(retail.Append(own), g =>
        {
            Assert.StartsWith(DemoData.Marker, g.StoreIdPrefix, StringComparison.Ordinal);
            Assert.Equal(new DateOnly(2026, 8, 19), g.FirstDay);
            Assert.Equal(90, g.Days);
        });
        Assert.Equal(retail.Count + 1, retail.Append(own).Select(g => g.Stream).Distinct().Count());
        Assert.Equal(30_000, own.Rows);
    }
}
