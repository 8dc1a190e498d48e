using InsightPulse.Core.Finance;

namespace InsightPulse.Core.Tests;

/// <summary>The finance rules mirror ipai_finance_ppm's CHECK constraints; withholding rounds as PostgreSQL's numeric round does.</summary>
public sealed class FinanceValidationTests
{
    private static ExpenseLineForm Line(string gross = "1120.00", string vat = "120.00", string? atc = null, string? rate = null, string? tin = null) =>
        new("2025-06-15", "Shoot catering", "Kusina Inc.", tin, "meals", gross, vat, atc, rate);

    [Theory]
    [InlineData(1120.00, 120.00, 0.02, 20.00)]
    [InlineData(100.25, 0, 0.02, 2.01)]      // 2.005 → 2.01: half away from zero, not to even
    [InlineData(100.75, 0, 0.02, 2.02)]      // 2.015 → 2.02
    [InlineData(0.25, 0, 0.10, 0.03)]        // 0.025 → 0.03
    [InlineData(1000.00, 0, 0.0050, 5.00)]
    [InlineData(5000.00, 5000.00, 0.15, 0)]  // all VAT: nothing to withhold
    public void Withholding_is_on_the_amount_net_of_vat_rounded_half_away_from_zero(double gross, double vat, double rate, double expected)
    {
        Assert.Equal((decimal)expected, FinanceValidation.Withholding((decimal)gross, (decimal)vat, (decimal)rate));
    }

    [Fact]
    public void A_valid_line_is_parsed_with_its_rate_as_a_fraction_and_its_withholding_computed()
    {
        var errors = FinanceValidation.Line(Line(gross: "11,200.00", vat: "1200", atc: "wc158", rate: "1"), null, out var line);
        Assert.Empty(errors);
        Assert.Equal(11200.00m, line!.GrossAmount);
        Assert.Equal("WC158", line.AtcCode);
        Assert.Equal(0.01m, line.WithholdingRate);
        Assert.Equal(100.00m, line.WithholdingAmount);
        Assert.Equal(11100.00m, line.NetAmount);
    }

    [Fact]
    public void An_empty_rate_takes_the_atc_codes_rate_from_the_tenants_table()
    {
        var rates = new Dictionary<string, decimal> { ["WC160"] = 0.02m };
        Assert.Empty(FinanceValidation.Line(Line(atc: "WC160"), rates, out var line));
        Assert.Equal(0.02m, line!.WithholdingRate);
        Assert.Equal(20.00m, line.WithholdingAmount);
        var unknown = FinanceValidation.Line(Line(atc: "WC999"), rates, out _);
        Assert.Equal("atc_code", Assert.Single(unknown).Field);
    }

    [Theory]
    [InlineData("100", "150", null, null, null, "vat_amount")]
    [InlineData("0", "0", null, null, null, "gross_amount")]
    [InlineData("-5", "0", null, null, null, "gross_amount")]
    [InlineData("10.005", "0", null, null, null, "gross_amount")]
    [InlineData("abc", "0", null, null, null, "gross_amount")]
    [InlineData("100", "0", null, "2", null, "atc_code")]          // withholding needs its ATC
    [InlineData("100", "0", "WC15", "2", null, "atc_code")]        // W, a letter, three digits
    [InlineData("100", "0", "WC158", "36", null, "withholding_rate")]
    [InlineData("100", "0", "WC158", "1.005", null, "withholding_rate")]
    [InlineData("100", "0", null, null, "123-456-78", "vendor_tin")]
    [InlineData("100", "0", null, null, "123-456-789-12", "vendor_tin")]
    [InlineData("100", "0", null, null, "١٢٣-456-789", "vendor_tin")] // Arabic-Indic digits: PostgreSQL's \d refuses them
    public void An_invalid_line_names_the_field(string gross, string vat, string? atc, string? rate, string? tin, string field)
    {
        var errors = FinanceValidation.Line(Line(gross, vat, atc, rate, tin), null, out var line);
        Assert.Null(line);
        Assert.Equal(field, Assert.Single(errors).Field);
    }

    [Theory]
    [InlineData("123-456-789", true)]
    [InlineData("123-456-789-000", true)]
    [InlineData("123-456-789-00000", true)]
    [InlineData("123-456-789-000000", false)]
    [InlineData("123456789", false)]
    [InlineData("123-456-789-", false)]
    [InlineData(" 123-456-789\n", true)] // trimmed before the check, stored trimmed
    public void A_tin_is_three_groups_of_three_digits_with_an_optional_branch_code(string tin, bool valid)
    {
        var errors = FinanceValidation.Agency(new AgencyInput("TBWA-MNL", "TBWA Manila", tin, null), out _);
        Assert.Equal(valid, errors.Count == 0);
    }

    [Fact]
    public void An_agency_code_follows_the_table_rule()
    {
        Assert.Equal("code", Assert.Single(FinanceValidation.Agency(new AgencyInput("-bad", "Name", "123-456-789", null), out _)).Field);
        Assert.Equal("code", Assert.Single(FinanceValidation.Agency(new AgencyInput(new string('A', 33), "Name", "123-456-789", null), out _)).Field);
        Assert.Empty(FinanceValidation.Agency(new AgencyInput(" TBWA_2.x ", " Name ", "123-456-789", null), out var agency));
        Assert.Equal("TBWA_2.x", agency.Code);
        Assert.Equal("Name", agency.Name);
    }

    [Theory]
    [InlineData("2025-06", "2025-06-01")]
    [InlineData("2025-06-01", "2025-06-01")]
    [InlineData("2025-06-15", null)]
    [InlineData("June", null)]
    public void A_period_is_the_first_day_of_a_month(string period, string? expected)
    {
        var errors = FinanceValidation.Report(new ExpenseReportForm("7", "Ana Santos", "", period, null), new DateTime(2025, 7, 3), out var report);
        if (expected is null)
        {
            Assert.Equal("period", Assert.Single(errors).Field);
        }
        else
        {
            Assert.Empty(errors);
            Assert.Equal(DateTime.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), report!.Period);
            Assert.Equal(new DateTime(2025, 7, 3), report.ReportDate); // empty report date: today
        }
    }

    [Fact]
    public void A_project_needs_an_agency_and_ends_after_it_starts()
    {
        var errors = FinanceValidation.Project(new ProjectForm("", "P-1", "Launch", null, "-1", "php", "2025-06-30", "2025-06-01", "open"), out var project);
        Assert.Null(project);
        Assert.Equal(["agency_id", "budget_amount", "end_date", "state"], errors.Select(e => e.Field).ToArray());
        Assert.Empty(FinanceValidation.Project(new ProjectForm("3", "P-1", "Launch", null, "250,000.50", "php", null, null, null), out project));
        Assert.Equal(250000.50m, project!.BudgetAmount);
        Assert.Equal("PHP", project.Currency);
        Assert.Equal("draft", project.State);
    }

    [Theory]
    [InlineData("draft", "submitted", true)]
    [InlineData("submitted", "approved", true)]
    [InlineData("submitted", "rejected", true)]
    [InlineData("approved", "paid", true)]
    [InlineData("rejected", "draft", true)]
    [InlineData("draft", "approved", false)]
    [InlineData("paid", "draft", false)]
    [InlineData("approved", "rejected", false)]
    public void A_report_moves_only_forward_through_its_states(string from, string to, bool allowed)
    {
        Assert.Equal(allowed, ExpenseReportStates.CanMove(from, to));
    }
}
