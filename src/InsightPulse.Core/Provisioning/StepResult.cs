namespace InsightPulse.Core.Provisioning;

/// <summary>
/// One step of a run: whether it acted or found its work done, what it did, how long it took; <see cref="Error"/>
/// when it failed and the run went on without it.
/// </summary>
public sealed record StepResult(string Step, bool Acted, string Detail, TimeSpan Elapsed, string? Error = null)
{
    public bool Failed => Error is not null;
}
