using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

/// <summary>The one rule for a tenant's development host (<see cref="TenantHosts"/>): its code with '_' written '-'.</summary>
public sealed class TenantHostsTests
{
    [Theory]
    [InlineData("platform", "localhost")]
    [InlineData("tbwa", "tbwa.localhost")]
    [InlineData("afc_client", "afc-client.localhost")]
    [InlineData("nextgen_agency", "nextgen-agency.localhost")]
    [InlineData("a__b", "a--b.localhost")]
    [InlineData("bench_http_0001", "bench-http-0001.localhost")]
    public void A_development_host_is_the_code_with_underscores_written_as_dashes(string code, string host)
    {
        Assert.Equal(host, TenantHosts.DevelopmentHost(code, "localhost"));
        Assert.Null(TenantRules.DomainError(host));
        Assert.Equal(code, TenantHosts.CodeOfDevelopmentHost(host, "localhost"));
    }

    [Fact]
    public void A_code_ending_in_an_underscore_has_no_development_host_and_no_suffix_means_none()
    {
        Assert.Null(TenantHosts.DevelopmentHost("abc_", "localhost"));
        Assert.Null(TenantHosts.DevelopmentHost("tbwa", ""));
    }

    [Fact]
    public void No_two_codes_share_a_development_host()
    {
        // A code never holds '-' (TenantRules.CodeError), so writing '_' as '-' loses nothing: the host gives the code back.
        Assert.NotNull(TenantRules.CodeError("a-b"));
        string[] codes = ["a_b", "ab", "a_b_c", "ab_c", "a_bc", "abc", "a1_b", "a_1b", "x" + new string('_', 10) + "y"];
        var hosts = codes.Select(c => TenantHosts.DevelopmentHost(c, "localhost")).ToList();
        Assert.Equal(codes.Length, hosts.Distinct().Count());
        Assert.Equal(codes, hosts.Select(h => TenantHosts.CodeOfDevelopmentHost(h!, "localhost")));
    }

    [Theory]
    [InlineData("afc_client.localhost")] // not a host name: only the '-' spelling is the tenant's
    [InlineData("afc-client.example.com")]
    [InlineData("x.afc-client.localhost")]
    [InlineData("-afc.localhost")]
    [InlineData("1abc.localhost")] // codes start with a letter
    [InlineData("select.localhost")] // a reserved name is no code
    public void Other_hosts_name_no_code(string host) => Assert.Null(TenantHosts.CodeOfDevelopmentHost(host, "localhost"));

    [Fact]
    public void A_tenants_hosts_are_its_primary_domain_then_its_development_host()
    {
        var afc = Tenant.New("afc_client", "AFC client operations");
        Assert.Equal(["afc-client.localhost"], TenantHosts.Of(afc, "localhost"));
        Assert.Equal(["afc.example.com", "afc-client.localhost"], TenantHosts.Of(afc with { PrimaryDomain = "afc.example.com" }, "localhost"));
        Assert.Equal(["afc-client.localhost"], TenantHosts.Of(afc with { PrimaryDomain = "afc-client.localhost" }, "localhost"));
        Assert.Equal(["afc.example.com"], TenantHosts.Of(afc with { PrimaryDomain = "afc.example.com" }, ""));
    }

    [Fact]
    public void The_resolver_finds_a_tenant_whose_code_has_an_underscore_at_its_development_host()
    {
        Tenant[] tenants = [Tenant.New("afc_client", "AFC"), Tenant.New("nextgen_agency", "NextGen"), Tenant.New("platform", "Platform") with { SupabaseSchema = "public" }];
        var resolver = new TenantHostResolver(tenants, new TenantHostOptions());
        Assert.Equal("afc_client", resolver.Resolve("afc-client.localhost:8069")?.Code);
        Assert.Equal("nextgen_agency", resolver.Resolve("NextGen-Agency.localhost")?.Code);
        Assert.Equal("platform", resolver.Resolve("localhost")?.Code);
        Assert.Null(resolver.Resolve("afc_client.localhost"));
        Assert.Equal("afc_client", new TenantHostResolver(tenants, new TenantHostOptions("dev.test")).Resolve("afc-client.dev.test")?.Code);
    }
}
