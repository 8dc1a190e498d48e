namespace InsightPulse.Bench;

/// <summary>One row of <c>ppm_project_budget_status</c> as the bench endpoints return it (tenant_id left out: the same JSON for every tenant).</summary>
public sealed record ProjectBudgetRow(
    long ProjectId,
    long AgencyId,
    string ProjectCode,
    string ProjectName,
    string? ClientName,
    string State,
    string Currency,
    decimal BudgetAmount,
    decimal TotalGrossSpent,
    decimal TotalVat,
    decimal TotalWithholding,
    decimal TotalNetPayable,
    decimal TotalGrossPending,
    decimal RemainingBudget,
    decimal? PercentUsed);
