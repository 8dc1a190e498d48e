namespace InsightPulse.Core.Isolation;

/// <summary>
/// Tenant data was asked for without a valid tenant: the data layer refuses instead of running SQL that would see
/// no rows (or, with a weak policy, every tenant's rows).
/// </summary>
public sealed class TenantContextRequiredException : InvalidOperationException
{
    public TenantContextRequiredException(string message) : base(message) { }

    public TenantContextRequiredException() : base("A tenant is required to reach tenant data.") { }

    public TenantContextRequiredException(string message, Exception innerException) : base(message, innerException) { }
}
