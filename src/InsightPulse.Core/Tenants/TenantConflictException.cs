using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Tenants;

/// <summary>A unique field (code, domain, database, schema) is already taken; the message names the tenant that holds it.</summary>
public sealed class TenantConflictException : OperatorException
{
    public TenantConflictException() { }
    public TenantConflictException(string message) : base(message) { }
    public TenantConflictException(string message, Exception inner) : base(message, inner) { }
}
