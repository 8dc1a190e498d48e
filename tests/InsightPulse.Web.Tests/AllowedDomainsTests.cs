using InsightPulse.Web.Bi;

namespace InsightPulse.Web.Tests;

/// <summary>The embedded page's origin check and frame-ancestors (pure), and the CSV export's field encoding.</summary>
public sealed class AllowedDomainsTests
{
    [Theory]
    [InlineData("tbwa.localhost", "http://tbwa.localhost:8069/dashboards/agency-finance", true)]
    [InlineData("tbwa.localhost", "https://TBWA.localhost/x", true)]
    [InlineData("https://portal.example.com", "https://portal.example.com/page", true)]
    [InlineData("https://portal.example.com", "http://portal.example.com/page", false)]
    [InlineData("portal.example.com:8443", "https://portal.example.com:8443/", true)]
    [InlineData("portal.example.com:8443", "https://portal.example.com/", false)]
    [InlineData("portal.example.com", "https://portal.example.com.evil.example/", false)]
    [InlineData("portal.example.com", "https://evil.example/?portal.example.com", false)]
    [InlineData("portal.example.com", null, false)]
    [InlineData("portal.example.com", "javascript:alert(1)", false)]
    public void An_embedding_page_is_allowed_only_from_a_listed_origin(string domain, string? referer, bool allowed) =>
        Assert.Equal(allowed, AllowedDomains.Allows([domain], referer));

    [Fact]
    public void No_allowed_domain_means_any_page_as_in_superset() =>
        Assert.True(AllowedDomains.Allows([], "https://anywhere.example/"));

    [Fact]
    public void Frame_ancestors_list_self_and_each_domain()
    {
        Assert.Equal("'self' https://portal.example.com:* tbwa.localhost:8069", AllowedDomains.FrameAncestors(["https://Portal.example.com", "tbwa.localhost:8069"]));
        Assert.Equal("*", AllowedDomains.FrameAncestors([]));
    }

    [Theory]
    [InlineData("https://x.example/path")]
    [InlineData("x.example; script-src *")]
    [InlineData("ftp://x.example")]
    [InlineData("")]
    public void An_entry_that_is_not_scheme_host_port_is_invalid(string entry) => Assert.False(AllowedDomains.IsValid(entry));

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\"")]
    [InlineData("-12.50", "-12.50")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    public void Csv_fields_are_quoted_and_formulas_defused(string value, string expected) =>
        Assert.Equal(expected, EmbeddedDashboards.Csv(value));
}
