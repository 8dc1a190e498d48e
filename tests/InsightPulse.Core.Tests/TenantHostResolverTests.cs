using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

public sealed class TenantHostResolverTests
{
    private static readonly Tenant[] Seeds =
    [
        Tenant.New("platform", "InsightPulse Platform") with { DbName = "odoo_platform", SupabaseSchema = "public", PrimaryDomain = "erp.insightpulseai.com" },
        Tenant.New("tbwa", "TBWA Philippines") with { PrimaryDomain = "tbwa.erp.insightpulseai.com" },
        Tenant.New("scout", "Scout Retail Intelligence") with { DbName = "odoo_platform", PrimaryDomain = "scout.insightpulseai.com" },
        Tenant.New("nextgen", "NextGen Agency"),
    ];

    private static string? Code(string? host, TenantHostOptions? options = null) =>
        new TenantHostResolver(Seeds, options ?? new TenantHostOptions()).Resolve(host)?.Code;

    [Theory]
    [InlineData("tbwa.erp.insightpulseai.com", "tbwa")]
    [InlineData("TBWA.ERP.InsightPulseAI.com", "tbwa")]
    [InlineData("tbwa.erp.insightpulseai.com.", "tbwa")]
    [InlineData("tbwa.erp.insightpulseai.com:443", "tbwa")]
    [InlineData("erp.insightpulseai.com", "platform")]
    [InlineData("scout.insightpulseai.com:8069", "scout")]
    public void The_primary_domain_decides_whatever_the_case_port_or_trailing_dot(string host, string code) =>
        Assert.Equal(code, Code(host));

    [Theory]
    [InlineData("localhost", "platform")]
    [InlineData("localhost:8069", "platform")]
    [InlineData("tbwa.localhost:8069", "tbwa")]
    [InlineData("scout.localhost", "scout")]
    [InlineData("nextgen.localhost", "nextgen")]
    public void The_development_suffix_maps_localhost_to_the_platform_and_code_dot_localhost_to_that_tenant(string host, string code) =>
        Assert.Equal(code, Code(host));

    [Theory]
    [InlineData("unknown.localhost")]
    [InlineData("a.tbwa.localhost")]
    [InlineData("select.localhost")]
    [InlineData("example.com")]
    [InlineData("erp.insightpulseai.com.evil.example")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("tbwa.erp.insightpulseai.com:")]
    [InlineData("tbwa.erp.insightpulseai.com:99999x")]
    [InlineData("[::1]:8069")]
    [InlineData("tbwa.erp.insightpulseai.com/evil")]
    [InlineData("tbwa erp.insightpulseai.com")]
    [InlineData("tbwа.localhost")] // Cyrillic а
    [InlineData("tbwa.localhost\r\nX-Injected: 1")]
    public void Anything_else_resolves_to_no_tenant(string? host) => Assert.Null(Code(host));

    [Fact]
    public void The_development_suffix_can_be_turned_off() =>
        Assert.Null(Code("tbwa.localhost", new TenantHostOptions(DevelopmentSuffix: "")));

    [Theory]
    [InlineData("^odoo_%d$", "nextgen.example.com", "nextgen")]
    [InlineData("^odoo_%d$", "www.nextgen.example.com", "nextgen")]
    [InlineData("^odoo_%d", "tbwa.example.com", "tbwa")]
    [InlineData("odoo_%d", "tbwa.example.com", "tbwa")]
    [InlineData("^odoo_%d$", "nosuch.example.com", null)]
    [InlineData("^odoo_%d$", "platform.example.com", null)] // odoo_platform holds platform and scout: ambiguous
    [InlineData("^.*$", "anything.example.com", null)]      // every tenant matches: ambiguous
    [InlineData("_%d$", "tbwa.example.com", null)]          // re.match anchors at the start: odoo_ does not match _
    public void The_db_filter_decides_as_odoo_does_when_exactly_one_tenant_matches(string filter, string host, string? code) =>
        Assert.Equal(code, Code(host, new TenantHostOptions(DbFilter: filter)));

    [Fact]
    public void The_host_is_escaped_before_it_enters_the_db_filter()
    {
        // Without escaping, the dots of %h would match any character.
        var options = new TenantHostOptions(DbFilter: "^%h$");
        var tenants = Seeds.Append(Tenant.New("xy", "XY") with { DbName = "axbxc" });

        Assert.Null(new TenantHostResolver(tenants, options).Resolve("a.b.c"));
    }

    [Fact]
    public void A_primary_domain_wins_over_the_development_suffix_and_the_db_filter()
    {
        var tenants = Seeds.Append(Tenant.New("acme", "Acme") with { PrimaryDomain = "tbwa.localhost" });

        Assert.Equal("acme", new TenantHostResolver(tenants, new TenantHostOptions(DbFilter: "^odoo_%d$")).Resolve("tbwa.localhost")?.Code);
    }

    [Theory]
    [InlineData("localhost", null, 0)]
    [InlineData("dev.test", "^odoo_%d$", 0)]
    [InlineData("Local Host", null, 1)]
    [InlineData("localhost", "^odoo_(%d$", 1)]
    public void Options_are_checked_at_start_up(string suffix, string? filter, int problems) =>
        Assert.Equal(problems, new TenantHostOptions(suffix, filter).Problems().Count);
}
