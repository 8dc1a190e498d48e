using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

public sealed class TenantTests
{
    [Fact]
    public void New_derives_the_database_schema_and_workspace_from_the_code()
    {
        var tenant = Tenant.New("tbwa", "TBWA Philippines");

        Assert.Equal("tbwa", tenant.Code);
        Assert.Equal("TBWA Philippines", tenant.Name);
        Assert.Equal("odoo_tbwa", tenant.DbName);
        Assert.Equal("tbwa", tenant.SupabaseSchema);
        Assert.Equal("tbwa", tenant.SupersetWorkspace);
    }

    [Fact]
    public void New_takes_the_defaults_of_the_seed_document()
    {
        var before = DateOnly.FromDateTime(DateTime.UtcNow);
        var tenant = Tenant.New("nextgen_agency", "NextGen");
        var after = DateOnly.FromDateTime(DateTime.UtcNow);

        Assert.Equal("advertising", tenant.Industry);
        Assert.Equal("PH", tenant.Country);
        Assert.Equal(TenantState.Draft, tenant.State);
        Assert.Equal(10, tenant.Sequence);
        Assert.True(tenant.Active);
        Assert.Equal(0, tenant.Id);
        Assert.InRange(tenant.OnboardedDate, before, after);
        Assert.Null(tenant.PrimaryDomain);
        Assert.Null(tenant.SupersetBaseUrl);
        Assert.Null(tenant.CompanyName);
        Assert.Null(tenant.AdminEmail);
        Assert.Null(tenant.AdminPhone);
        Assert.Null(tenant.Notes);
    }

    [Fact]
    public void A_new_tenant_with_a_good_code_is_valid()
    {
        Assert.Empty(TenantRules.Validate(Tenant.New("nextgen_agency", "NextGen Agency")));
    }

    [Fact]
    public void The_display_name_is_code_in_brackets_then_name()
    {
        Assert.Equal("[tbwa] TBWA Philippines", Tenant.New("tbwa", "TBWA Philippines").DisplayName);
    }
}
