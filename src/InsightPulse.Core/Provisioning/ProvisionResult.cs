namespace InsightPulse.Core.Provisioning;

/// <summary>A finished run: its id in the journal and its steps.</summary>
public sealed record ProvisionResult(Guid RunId, string Tenant, IReadOnlyList<StepResult> Steps)
{
    public bool Changed => Steps.Any(s => s.Acted);

    /// <summary>What the audit trail's row of the run says beside its outcome: the run's id and whether it changed anything.</summary>
    public object AuditDetail() => new { RunId, Changed };
}
