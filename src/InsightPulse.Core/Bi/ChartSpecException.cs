using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Bi;

/// <summary>
/// A chart spec, a filter, a template or a request for chart data that does not fit its dataset: the message names
/// what is wrong (the API answers 400 with it; provisioning stops with it).
/// </summary>
public sealed class ChartSpecException : OperatorException
{
    public ChartSpecException() { }
    public ChartSpecException(string message) : base(message) { }
    public ChartSpecException(string message, Exception inner) : base(message, inner) { }
}
