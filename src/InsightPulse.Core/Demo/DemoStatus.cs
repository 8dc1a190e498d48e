using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Demo;

/// <summary>
/// One tenant's demo data: what it would get (<see cref="Content"/>: <c>finance</c> for <c>ipai_finance_ppm</c>,
/// <c>scout</c> for the Scout databank's tenant), whether it is loaded, when, by which generator version, for which
/// day (<see cref="AsOf"/>: the finance year ends with its month, the Scout transactions the day before it), and when
/// the operator removed it.
/// </summary>
public sealed record DemoStatus(
    string Tenant, TenantState TenantState, IReadOnlyList<string> Content, DemoState State, DateTimeOffset? LoadedAt, string? GeneratorVersion,
    DateOnly? AsOf, string? Summary, DateTimeOffset? RemovedAt)
{
    /// <summary><c>up</c> loads it: it has demo data, none was loaded or removed yet, and the tenant is active.</summary>
    public bool DueAtUp => State == DemoState.NotLoaded && TenantState == TenantState.Active;
}
