namespace InsightPulse.Core.Platform;

/// <summary>One step of a run: whether it acted or found its work done, what it did, how long it took.</summary>
public sealed record StepResult(string Step, bool Acted, string Detail, TimeSpan Elapsed);
