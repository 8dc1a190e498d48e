namespace InsightPulse.Core.Demo;

/// <summary>A client project of the finance demo, before it is written: its agency by code (ids exist only once written).</summary>
internal sealed record DemoProject(string AgencyCode, string Code, string Name, string ClientName, decimal BudgetAmount,
    DateOnly StartDate, DateOnly EndDate, string State);
