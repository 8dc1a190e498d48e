namespace InsightPulse.Core.Platform;

/// <summary>The platform is not set up (no cluster, no platform database): the message says to run <c>make up</c>.</summary>
public sealed class PlatformNotReadyException : Exception
{
    public PlatformNotReadyException() { }
    public PlatformNotReadyException(string message) : base(message) { }
    public PlatformNotReadyException(string message, Exception inner) : base(message, inner) { }
}
