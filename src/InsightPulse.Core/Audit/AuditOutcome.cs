namespace InsightPulse.Core.Audit;

/// <summary>How an audited action ended (<c>ipai_audit.outcome</c>, lower-case).</summary>
public enum AuditOutcome
{
    Succeeded,

    /// <summary>The platform's rules said no: invalid input, a conflict, a state that does not allow it, no such thing, not allowed.</summary>
    Refused,

    /// <summary>It was tried and broke: a server error, a failed step, an interruption.</summary>
    Failed,
}
