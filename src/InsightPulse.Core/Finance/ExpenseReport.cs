namespace InsightPulse.Core.Finance;

/// <summary>An employee's expense report for a project and month (<c>ppm_expense_report</c>) with the totals of its lines.</summary>
public sealed record ExpenseReport(long Id, long ProjectId, string ProjectCode, string ProjectName, string Currency, string EmployeeName,
    DateOnly ReportDate, DateOnly Period, string State, string? Notes, long LineCount, decimal TotalGross, decimal TotalVat,
    decimal TotalWithholding, decimal TotalNet);
