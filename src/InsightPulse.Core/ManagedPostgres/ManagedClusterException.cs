using InsightPulse.Core.Errors;

namespace InsightPulse.Core.ManagedPostgres;

/// <summary>The managed PostgreSQL cluster could not be set up or run; the message says what to do.</summary>
public sealed class ManagedClusterException : OperatorException
{
    public ManagedClusterException() { }
    public ManagedClusterException(string message) : base(message) { }
    public ManagedClusterException(string message, Exception inner) : base(message, inner) { }
}
