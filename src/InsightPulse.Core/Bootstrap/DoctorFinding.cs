namespace InsightPulse.Core.Bootstrap;

/// <summary>
/// One finding of <c>./ipai doctor</c>: the check (stable snake_case name), its level, what it found (evidence, never
/// a secret) and the fix as a command (empty when ok).
/// </summary>
public sealed record DoctorFinding(string Check, DoctorLevel Level, string Finding, string Fix = "");
