using InsightPulse.Core.Errors;

namespace InsightPulse.Bench;

/// <summary><c>bench http</c> could not measure (wrk missing or failing, a response other than 2xx, bodies that differ): the message says what to do.</summary>
public sealed class HttpBenchmarkException(string message) : OperatorException(message);
