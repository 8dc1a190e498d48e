namespace InsightPulse.Core.Finance;

/// <summary>A project's fields, parsed and valid: what is written to <c>ppm_project</c>.</summary>
public sealed record ProjectInput(long AgencyId, string Code, string Name, string? ClientName, decimal BudgetAmount, string Currency,
    DateTime? StartDate, DateTime? EndDate, string State);
