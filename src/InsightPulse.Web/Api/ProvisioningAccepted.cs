namespace InsightPulse.Web.Api;

/// <summary>The answer to <c>POST …/provision</c> (202): where to read the run and where to follow its steps live.</summary>
public sealed record ProvisioningAccepted(string Tenant, string Run, string Events);
