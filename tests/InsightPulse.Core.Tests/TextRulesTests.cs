using InsightPulse.Core.Finance;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;

namespace InsightPulse.Core.Tests;

/// <summary>
/// Free text (names, descriptions, addresses, notes) refuses what PostgreSQL cannot store or a screen would show other
/// than stored, in every field that takes it: the tenant's name, a finance record's names, a user's name.
/// </summary>
public sealed class TextRulesTests
{
    [Theory]
    [MemberData(nameof(HostileInput.TextCases), MemberType = typeof(HostileInput))]
    public void Every_free_text_field_refuses_the_hostile_text(string label)
    {
        var value = HostileInput.Get(label);
        var tenant = Tenant.New("acme", "Acme") with { Name = value, CompanyName = value };
        var tenantErrors = TenantRules.Validate(tenant).Select(e => e.Field).ToList();
        Assert.Contains("name", tenantErrors);
        Assert.Contains("company_name", tenantErrors);

        Assert.Contains(FinanceValidation.Agency(new AgencyInput("AG", value, "123-456-789", value, true), out _), e => e.Field == "name");
        Assert.Contains(FinanceValidation.Agency(new AgencyInput("AG", "Agency", "123-456-789", value, true), out _), e => e.Field == "registered_address");
        var report = new ExpenseReportForm("1", value, null, "2025-06", value);
        var reportErrors = FinanceValidation.Report(report, DateTime.UtcNow, out _).Select(e => e.Field).ToList();
        Assert.Contains("employee_name", reportErrors);
        Assert.Contains("notes", reportErrors);
        Assert.Contains(TenantUserDirectory.Validate(new NewUser("juan", value, null, "long-enough-password", false), "juan"), e => e.Field == "name");
        Assert.Null(TenantUserDirectory.NormalizeLogin(value));
    }

    [Theory]
    [InlineData("TBWA Philippines")]
    [InlineData("Café Niño · 東京 😀")]
    [InlineData("שלום עליכם")] // right-to-left script itself is text, only the override characters are refused
    public void Ordinary_text_of_any_script_passes(string text)
    {
        Assert.Null(TextRules.Problem(text));
    }

    [Theory]
    [InlineData("line one\nline two")]
    [InlineData("a\tb\r\nc")]
    public void Line_breaks_pass_only_where_the_field_allows_them(string text)
    {
        Assert.Null(TextRules.Problem(text, allowLineBreaks: true));
        Assert.NotNull(TextRules.Problem(text));
    }

    [Theory]
    [MemberData(nameof(HostileInput.TextCases), MemberType = typeof(HostileInput))]
    public void A_printable_echo_holds_no_control_character_lone_surrogate_or_direction_override(string label)
    {
        var printable = Sql.Printable(HostileInput.Get(label), 1000);

        Assert.Null(TextRules.Problem(printable.Replace("\uFFFD", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_printable_echo_never_cuts_a_character_in_half()
    {
        var printable = Sql.Printable(new string('a', 39) + "😀😀", 40);

        Assert.Equal(new string('a', 39) + "?…", printable);
    }
}
