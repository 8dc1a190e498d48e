namespace InsightPulse.Web.TenantOperations;

/// <summary>Marks an endpoint as served on the platform's host only (<see cref="PlatformOnly"/>); <paramref name="Api"/>: answer with a problem document.</summary>
public sealed record PlatformOnlyEndpoint(bool Api);
