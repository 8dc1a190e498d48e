namespace InsightPulse.Core.Bootstrap;

/// <summary>What <c>./ipai doctor</c> found, in check order; healthy when no finding is an error (warnings allowed).</summary>
public sealed record DoctorReport(IReadOnlyList<DoctorFinding> Findings)
{
    public int Errors => Findings.Count(f => f.Level == DoctorLevel.Error);
    public int Warnings => Findings.Count(f => f.Level == DoctorLevel.Warn);
    public bool Healthy => Errors == 0;
}
