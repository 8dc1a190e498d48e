using InsightPulse.Core.Finance;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Finance;

/// <summary>What a report page shows besides the report: a form as entered with its errors, or a message after a POST.</summary>
internal sealed record ReportPageState(
    ExpenseLineForm? Line = null, IReadOnlyList<ValidationError>? LineErrors = null,
    ExpenseReportForm? Report = null, IReadOnlyList<ValidationError>? ReportErrors = null,
    string? Alert = null, string? Notice = null)
{
    public int Status => FinancePages.StatusFor(LineErrors ?? ReportErrors, Alert);
}
