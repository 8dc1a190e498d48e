namespace InsightPulse.Core.Finance;

/// <summary>An expense report's fields, parsed and valid (<see cref="Period"/> is the first day of its month).</summary>
public sealed record ExpenseReportInput(long ProjectId, string EmployeeName, DateTime ReportDate, DateTime Period, string? Notes);
