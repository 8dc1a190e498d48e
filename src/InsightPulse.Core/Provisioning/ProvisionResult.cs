namespace InsightPulse.Core.Provisioning;

/// <summary>A finished run: its id in the journal and its steps.</summary>
public sealed record ProvisionResult(Guid RunId, string Tenant, IReadOnlyList<StepResult> Steps)
{
    public bool Changed => Steps.Any(s => s.Acted);
}
