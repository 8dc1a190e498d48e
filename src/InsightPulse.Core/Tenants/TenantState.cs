namespace InsightPulse.Core.Tenants;

/// <summary>Lifecycle of a tenant (stored lower-case in <c>ipai_tenant.state</c>).</summary>
public enum TenantState
{
    Draft,
    Provisioning,
    Active,
    Suspended,
    Archived,
}
