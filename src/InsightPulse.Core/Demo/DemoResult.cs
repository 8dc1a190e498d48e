namespace InsightPulse.Core.Demo;

/// <summary>
/// What <c>demo load</c> or <c>demo remove</c> did for one tenant: whether it changed anything (<see cref="Acted"/>:
/// <c>+</c>, else <c>=</c>), a line saying what, the rows written or deleted, and how long it took.
/// </summary>
public sealed record DemoResult(string Tenant, bool Acted, string Detail, DemoCounts Counts, TimeSpan Elapsed);
