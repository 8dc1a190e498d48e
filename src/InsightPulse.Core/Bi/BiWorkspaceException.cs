using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Bi;

/// <summary>A BI workspace cannot be made or used as asked (a dataset's relation is missing, …); the message says the fix.</summary>
public sealed class BiWorkspaceException : OperatorException
{
    public BiWorkspaceException() { }
    public BiWorkspaceException(string message) : base(message) { }
    public BiWorkspaceException(string message, Exception inner) : base(message, inner) { }
    public BiWorkspaceException(string problem, string fix) : base(problem, fix, null) { }
}
