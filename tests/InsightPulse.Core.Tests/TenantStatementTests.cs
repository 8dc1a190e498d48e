using InsightPulse.Core.Isolation;

namespace InsightPulse.Core.Tests;

public sealed class TenantStatementTests
{
    [Fact]
    public void A_read_is_led_by_a_comment_naming_its_search_path()
    {
        Assert.Equal("/* \"tbwa\" */ SELECT 1", TenantDataAccess.StatementFor("\"tbwa\"", "SELECT 1"));
        Assert.NotEqual(TenantDataAccess.StatementFor("\"tbwa\"", "SELECT 1"), TenantDataAccess.StatementFor("\"scout\"", "SELECT 1"));
    }

    [Fact]
    public void A_search_path_that_would_end_the_comment_is_refused()
    {
        Assert.Throws<ArgumentException>(() => TenantDataAccess.StatementFor("\"x*/ DELETE FROM res_users --\"", "SELECT 1"));
    }
}
