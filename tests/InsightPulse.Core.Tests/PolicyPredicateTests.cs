using InsightPulse.Core.Isolation;

namespace InsightPulse.Core.Tests;

public sealed class PolicyPredicateTests
{
    [Theory]
    [InlineData("(tenant_id = ( SELECT ipai.current_tenant_id() AS current_tenant_id))", PolicyPredicateKind.TenantCheck)]
    [InlineData("((tenant_id = ( SELECT ipai.current_tenant_id() AS current_tenant_id)) AND active)", PolicyPredicateKind.TenantCheck)]
    [InlineData("(( SELECT ipai.current_tenant_id() AS current_tenant_id) = tenant_id)", PolicyPredicateKind.TenantCheck)]
    [InlineData("(tenant_id = ipai.current_tenant_id())", PolicyPredicateKind.TenantCheckPerRow)]
    [InlineData("((tenant_id = ( SELECT ipai.current_tenant_id() AS current_tenant_id)) OR (name = 'x'::text))", PolicyPredicateKind.NoTenantCheck)]
    [InlineData("(tenant_id = current_setting('app.tenant_id'::text))", PolicyPredicateKind.NoTenantCheck)]
    [InlineData("(tenant_id IS NOT NULL)", PolicyPredicateKind.NoTenantCheck)]
    [InlineData("true", PolicyPredicateKind.AlwaysTrue)]
    [InlineData(null, PolicyPredicateKind.Missing)]
    [InlineData("(name = 'a AND tenant_id = ( SELECT ipai.current_tenant_id() AS current_tenant_id)'::text)", PolicyPredicateKind.NoTenantCheck)]
    public void A_policy_expression_is_classified_by_its_tenant_comparison(string? expression, PolicyPredicateKind expected)
    {
        Assert.Equal(expected, PolicyPredicate.Classify(expression));
    }
}
