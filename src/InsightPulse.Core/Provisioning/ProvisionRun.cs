namespace InsightPulse.Core.Provisioning;

/// <summary>
/// One provisioning run as the journal (<c>ipai_provision_run</c>) holds it, with its steps in order.
/// <see cref="Outcome"/> is null while the run goes on (or after the process running it died).
/// </summary>
public sealed record ProvisionRun(
    Guid Id,
    string TenantCode,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Outcome,
    string? Error,
    IReadOnlyList<ProvisionRunStep> Steps)
{
    public bool Finished => FinishedAt is not null;

    /// <summary>Whole milliseconds the run took, or null while it runs.</summary>
    public long? Milliseconds => FinishedAt is { } end ? (long)(end - StartedAt).TotalMilliseconds : null;
}
