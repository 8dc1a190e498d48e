using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Finance;

/// <summary>A finance change the data does not allow (rows still below a record, a state change out of order): the message says why and what to do.</summary>
public sealed class FinanceConflictException(string message) : OperatorException(message);
