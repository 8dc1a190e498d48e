using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Tenants;

/// <summary>An illegal lifecycle transition was asked for.</summary>
public sealed class InvalidTenantStateException : OperatorException
{
    public InvalidTenantStateException() { }
    public InvalidTenantStateException(string message) : base(message) { }
    public InvalidTenantStateException(string message, Exception inner) : base(message, inner) { }
}
