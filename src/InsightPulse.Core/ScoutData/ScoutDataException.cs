using InsightPulse.Core.Errors;

namespace InsightPulse.Core.ScoutData;

/// <summary>A Scout data command cannot run as asked; the message says why and what to do.</summary>
public sealed class ScoutDataException : OperatorException
{
    public ScoutDataException() { }
    public ScoutDataException(string message) : base(message) { }
    public ScoutDataException(string message, Exception inner) : base(message, inner) { }
    public ScoutDataException(string problem, string fix) : base(problem, fix, null) { }
}
