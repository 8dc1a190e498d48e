using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Databases;

/// <summary>Work that needs a PostgreSQL session was asked of a platform whose only URL is a transaction-mode pooler's: the message names POSTGRES_URL_NON_POOLING.</summary>
public sealed class SessionRequiredException : OperatorException
{
    public SessionRequiredException() { }
    public SessionRequiredException(string message) : base(message) { }
    public SessionRequiredException(string message, Exception inner) : base(message, inner) { }
}
