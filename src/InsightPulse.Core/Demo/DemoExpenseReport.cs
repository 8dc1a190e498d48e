using InsightPulse.Core.Finance;

namespace InsightPulse.Core.Demo;

/// <summary>
/// An expense report of the finance demo with its lines, before it is written: its project by code. A project has at
/// most one report per employee and month, so (project, period, employee) finds the report's id once it is written.
/// </summary>
internal sealed record DemoExpenseReport(string ProjectCode, string EmployeeName, DateOnly ReportDate, DateOnly Period, string State,
    string Notes, IReadOnlyList<ExpenseLineInput> Lines);
