using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Isolation;

/// <summary>The runtime or BI role could escape row-level security (superuser, BYPASSRLS, owner of tenant objects).</summary>
public sealed class RuntimeRoleUnsafeException : OperatorException
{
    public RuntimeRoleUnsafeException(string message) : base(message) { }

    public RuntimeRoleUnsafeException() : base("The runtime role could bypass row-level security.") { }

    public RuntimeRoleUnsafeException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Each problem, with its fix.</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];
}
