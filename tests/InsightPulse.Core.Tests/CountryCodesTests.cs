using System.Text.RegularExpressions;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

public sealed class CountryCodesTests
{
    private static List<string> CodesInMigration()
    {
        var sql = File.ReadAllText(RepositoryRoot.File("db", "platform", "0001_tenant_registry.sql"));
        var start = sql.IndexOf("INSERT INTO res_country", StringComparison.Ordinal);
        Assert.True(start >= 0, "INSERT INTO res_country is not in 0001_tenant_registry.sql");
        var end = sql.IndexOf(';', start);
        return Regex.Matches(sql[start..end], @"\('([A-Z]{2})'\)").Select(m => m.Groups[1].Value).ToList();
    }

    [Fact]
    public void There_are_249_officially_assigned_codes()
    {
        Assert.Equal(249, CountryCodes.All.Count);
    }

    [Fact]
    public void The_migration_seeds_res_country_with_exactly_the_same_codes()
    {
        var inSql = CodesInMigration();

        Assert.Equal(249, inSql.Count);
        Assert.Equal(inSql.Count, inSql.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(CountryCodes.All.Order(StringComparer.Ordinal), inSql.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_code_is_two_upper_case_ascii_letters()
    {
        Assert.All(CountryCodes.All, code => Assert.Matches(@"\A[A-Z]{2}\z", code));
    }

    [Theory]
    [InlineData("PH")]
    [InlineData("US")]
    [InlineData("SG")]
    [InlineData("GB")]
    public void Common_codes_are_present(string code)
    {
        Assert.Contains(code, CountryCodes.All);
    }

    [Theory]
    [InlineData("UK")]
    [InlineData("EU")]
    [InlineData("XX")]
    [InlineData("ph")]
    public void Codes_that_are_not_officially_assigned_are_absent(string code)
    {
        Assert.DoesNotContain(code, CountryCodes.All);
    }
}
