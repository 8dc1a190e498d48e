namespace InsightPulse.Core.Isolation;

/// <summary>The findings of one lint run, errors first.</summary>
public sealed record IsolationReport(IReadOnlyList<IsolationFinding> Findings)
{
    public int Errors => Findings.Count(f => f.Level == IsolationLevel.Error);
    public int Warnings => Findings.Count(f => f.Level == IsolationLevel.Warn);

    /// <summary>True when nothing is an ERROR (the provisioning gate; warnings do not block).</summary>
    public bool Passed => Errors == 0;
}
