namespace InsightPulse.Core.Finance;

/// <summary>A client project of an agency (a row of <c>ppm_project</c>) with its budget.</summary>
public sealed record Project(long Id, long AgencyId, string Code, string Name, string? ClientName, decimal BudgetAmount, string Currency,
    DateOnly? StartDate, DateOnly? EndDate, string State);
