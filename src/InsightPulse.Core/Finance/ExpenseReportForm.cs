namespace InsightPulse.Core.Finance;

/// <summary>An expense report's fields as entered (period as <c>yyyy-MM</c> or a first-of-month <c>yyyy-MM-dd</c>).</summary>
public sealed record ExpenseReportForm(string? ProjectId, string? EmployeeName, string? ReportDate, string? Period, string? Notes);
