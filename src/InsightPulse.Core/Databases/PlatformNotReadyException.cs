using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Databases;

/// <summary>The platform is not set up (no cluster, no platform database): the message says to run <c>make up</c>.</summary>
public sealed class PlatformNotReadyException : OperatorException
{
    public PlatformNotReadyException() { }
    public PlatformNotReadyException(string message) : base(message) { }
    public PlatformNotReadyException(string message, Exception inner) : base(message, inner) { }
}
