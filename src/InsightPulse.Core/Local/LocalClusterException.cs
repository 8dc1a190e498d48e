namespace InsightPulse.Core.Local;

/// <summary>The managed PostgreSQL cluster could not be set up or run; the message says what to do.</summary>
public sealed class LocalClusterException : Exception
{
    public LocalClusterException() { }
    public LocalClusterException(string message) : base(message) { }
    public LocalClusterException(string message, Exception inner) : base(message, inner) { }
}
