using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// No connection for a tenant request within the wait: the server's budget on this node is in use (or the tenant has
/// as many requests in flight as it may). Retryable: the web host answers 503 with <c>Retry-After</c>.
/// </summary>
public sealed class ConnectionBudgetExhaustedException : OperatorException
{
    public ConnectionBudgetExhaustedException() { }
    public ConnectionBudgetExhaustedException(string message) : base(message) { }
    public ConnectionBudgetExhaustedException(string message, Exception inner) : base(message, inner) { }
}
