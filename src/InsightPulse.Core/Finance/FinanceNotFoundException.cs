using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Finance;

/// <summary>The agency, project, report or line does not exist for this tenant (or belongs to another one: row-level security hides it).</summary>
public sealed class FinanceNotFoundException(string message) : OperatorException(message);
