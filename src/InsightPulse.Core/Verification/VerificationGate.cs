namespace InsightPulse.Core.Verification;

/// <summary>One acceptance gate's result: passed, failed or skipped, with the evidence it found and how long it took.</summary>
public sealed record VerificationGate(string Name, string Outcome, string Evidence, TimeSpan Elapsed)
{
    public const string Passed = "passed";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    public bool Fails => Outcome == Failed;
}

/// <summary>Every gate of one tenant; it passes when no gate failed (a skipped gate says why it does not apply).</summary>
public sealed record TenantVerification(string Tenant, IReadOnlyList<VerificationGate> Gates, TimeSpan Elapsed)
{
    public bool Passed => !Gates.Any(g => g.Fails);
}
