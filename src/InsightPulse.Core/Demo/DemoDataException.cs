using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Demo;

/// <summary>Demo data cannot be loaded or removed as asked (tenant not provisioned, demo rows in use): the message says why and what to do.</summary>
public sealed class DemoDataException : OperatorException
{
    public DemoDataException() { }
    public DemoDataException(string message) : base(message) { }
    public DemoDataException(string message, Exception inner) : base(message, inner) { }
    public DemoDataException(string problem, string fix) : base(problem, fix, null) { }
}
