using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Bi.Superset;

/// <summary>
/// A failed call to an external Superset, naming the check that failed (<see cref="Check"/>): its message says the
/// cause, then the fix. Never carries a password or a token.
/// </summary>
public sealed class SupersetException : OperatorException
{
    public SupersetException(SupersetCheck check, string problem, string fix, Exception? inner = null)
        : base(problem, fix, inner)
    {
        Check = check;
    }

    public SupersetCheck Check { get; }
}
