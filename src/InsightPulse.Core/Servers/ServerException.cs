using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Servers;

/// <summary>A fleet server that cannot be added or changed as asked; the message says why and what to do.</summary>
public sealed class ServerException : OperatorException
{
    public ServerException() { }
    public ServerException(string message) : base(message) { }
    public ServerException(string message, Exception inner) : base(message, inner) { }
}
