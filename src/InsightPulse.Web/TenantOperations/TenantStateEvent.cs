namespace InsightPulse.Web.TenantOperations;

/// <summary>The last event of a provisioning stream: the tenant's state once the run ended, the run's outcome and error.</summary>
public sealed record TenantStateEvent(string Tenant, string State, Guid? RunId, string? Outcome, string? Error);
