namespace InsightPulse.Core.Finance;

/// <summary>
/// A project against its budget (a row of the view <c>ppm_project_budget_status</c> with its agency's code): spent is
/// the gross of approved and paid reports, pending the gross of submitted ones; <see cref="PercentUsed"/> is null for
/// a zero budget.
/// </summary>
public sealed record ProjectBudget(long ProjectId, long AgencyId, string AgencyCode, string ProjectCode, string ProjectName, string? ClientName,
    string State, string Currency, decimal BudgetAmount, decimal TotalGrossSpent, decimal TotalWithholding, decimal TotalNetPayable,
    decimal TotalGrossPending, decimal RemainingBudget, decimal? PercentUsed);
