using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

public sealed class TenantSeedLoaderTests
{
    private static Tenant Seed(string code) => Assert.Single(TenantSeedLoader.ReadSeeds(), t => t.Code == code);

    [Fact]
    public void There_are_exactly_the_three_seed_tenants()
    {
        Assert.Equal(["platform", "tbwa", "scout"], TenantSeedLoader.ReadSeeds().Select(t => t.Code));
    }

    [Theory]
    [InlineData("platform", "InsightPulse AI Platform", 1, "odoo_platform", "public", "erp.insightpulseai.com", "InsightPulse AI Inc.", "services", "2025-01-01")]
    [InlineData("tbwa", "TBWA Philippines", 10, "odoo_tbwa", "tbwa", "tbwa.erp.insightpulseai.com", "TBWA\\Santiago Mangada Puno", "advertising", "2025-01-12")]
    [InlineData("scout", "Scout Retail Intelligence", 5, "odoo_platform", "scout", "scout.insightpulseai.com", "Scout Retail Analytics", "retail", "2025-01-01")]
    public void A_seed_tenant_has_the_values_of_the_reference_table(
        string code, string name, int sequence, string dbName, string schema, string domain, string company, string industry, string onboarded)
    {
        var tenant = Seed(code);

        Assert.Equal(name, tenant.Name);
        Assert.Equal(sequence, tenant.Sequence);
        Assert.Equal(dbName, tenant.DbName);
        Assert.Equal(schema, tenant.SupabaseSchema);
        Assert.Equal(domain, tenant.PrimaryDomain);
        Assert.Equal(code, tenant.SupersetWorkspace);
        Assert.Equal(company, tenant.CompanyName);
        Assert.Equal(industry, tenant.Industry);
        Assert.Equal("PH", tenant.Country);
        Assert.Equal(DateOnly.ParseExact(onboarded, "yyyy-MM-dd"), tenant.OnboardedDate);
        Assert.Equal(TenantState.Draft, tenant.State);
        Assert.True(tenant.Active);
    }

    [Fact]
    public void Every_seed_tenant_passes_the_rules()
    {
        Assert.All(TenantSeedLoader.ReadSeeds(), tenant => Assert.Empty(TenantRules.Validate(tenant)));
    }

    [Fact]
    public void Seed_codes_schemas_and_domains_are_unique_and_only_the_platform_database_is_shared()
    {
        var seeds = TenantSeedLoader.ReadSeeds();

        Assert.Equal(seeds.Count, seeds.Select(t => t.Code).Distinct().Count());
        Assert.Equal(seeds.Count, seeds.Select(t => t.SupabaseSchema).Distinct().Count());
        Assert.Equal(seeds.Count, seeds.Select(t => t.PrimaryDomain).Distinct().Count());
        var shared = seeds.GroupBy(t => t.DbName).Where(g => g.Count() > 1).Select(g => g.Key);
        Assert.Equal(["odoo_platform"], shared);
    }

    [Fact]
    public void The_seed_modules_give_tbwa_and_scout_the_finance_module()
    {
        var modules = TenantSeedLoader.ReadSeedModules();

        Assert.Equal(["scout", "tbwa"], modules.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["ipai_finance_ppm"], modules["tbwa"]);
        Assert.Equal(["ipai_finance_ppm"], modules["scout"]);
    }
}
