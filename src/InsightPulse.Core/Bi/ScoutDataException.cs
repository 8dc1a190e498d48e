namespace InsightPulse.Core.Bi;

/// <summary>A Scout data command cannot run as asked; the message says why and what to do.</summary>
public sealed class ScoutDataException(string message) : Exception(message);
