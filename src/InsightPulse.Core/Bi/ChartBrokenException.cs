using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Bi;

/// <summary>A chart whose spec no longer fits its dataset (a column vanished): shown as broken with the reason, never a 500.</summary>
public sealed class ChartBrokenException : OperatorException
{
    public ChartBrokenException() { }
    public ChartBrokenException(string message) : base(message) { }
    public ChartBrokenException(string message, Exception inner) : base(message, inner) { }
}
