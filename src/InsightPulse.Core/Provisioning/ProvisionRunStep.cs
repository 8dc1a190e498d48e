namespace InsightPulse.Core.Provisioning;

/// <summary>One step of a journaled run (<c>ipai_provision_step</c>): acted, done (found done) or failed; null while it runs.</summary>
public sealed record ProvisionRunStep(
    int Position,
    string Step,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Outcome,
    string? Detail,
    string? Error)
{
    public bool Finished => FinishedAt is not null;

    /// <summary>Whole milliseconds the step took, or null while it runs.</summary>
    public long? Milliseconds => FinishedAt is { } end ? (long)(end - StartedAt).TotalMilliseconds : null;
}
