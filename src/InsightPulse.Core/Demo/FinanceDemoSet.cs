using InsightPulse.Core.Finance;

namespace InsightPulse.Core.Demo;

/// <summary>The finance demo of one tenant for the twelve months <see cref="FirstMonth"/> … <see cref="LastMonth"/> (first days).</summary>
internal sealed record FinanceDemoSet(DateOnly FirstMonth, DateOnly LastMonth, IReadOnlyList<AgencyInput> Agencies,
    IReadOnlyList<DemoProject> Projects, IReadOnlyList<DemoExpenseReport> Reports)
{
    public int LineCount => Reports.Sum(r => r.Lines.Count);
}
