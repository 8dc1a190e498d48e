using InsightPulse.Core.ScoutData;

namespace InsightPulse.Core.Demo;

/// <summary>
/// The Scout demo: what <see cref="ScoutGenerator"/> makes for the Scout tenant itself, and for a few synthetic retail
/// clients (retail_001 …) beside it, so that the k-anonymous shared views, which show a cell only when at least three
/// tenants have rows in it, have cells to show. Every store id starts with <see cref="DemoData.Marker"/>: remove deletes
/// those rows only, and rows that <c>databank seed scout</c> wrote for the same retail codes stay. Deterministic for a
/// given day: the period is the <see cref="Days"/> local (Asia/Manila) days before it.
/// </summary>
internal static class ScoutDemo
{
    /// <summary>The random seed of the Scout demo (the finance demo has its own).</summary>
    public const long Seed = 2026_08;

    public const int Days = 90;
    public const int TenantRows = 30_000;
    public const int RetailTenants = 6;
    public const int RowsPerRetailTenant = 5_000;

    /// <summary>The tenant's own stream: above every retail number (at most <see cref="ScoutSeedOptions.MaxTenants"/>), so it never repeats one.</summary>
    private const int TenantStream = ScoutSeedOptions.MaxTenants + 1;

    /// <summary>The Scout tenant's own rows, store ids <c>DEMO-SCOUT-…</c>.</summary>
    public static ScoutGeneration ForTenant(string code, DateOnly today) =>
        new(code, TenantStream, TenantRows, Seed, today.AddDays(-Days), Days, $"{DemoData.Marker}SCOUT");

    /// <summary>The synthetic retail clients retail_001 … retail_006, store ids <c>DEMO-R001-…</c>.</summary>
    public static IReadOnlyList<ScoutGeneration> ForRetailTenants(DateOnly today) =>
        Enumerable.Range(1, RetailTenants)
            .Select(n => new ScoutGeneration(ScoutGenerator.TenantCode(n), n, RowsPerRetailTenant, Seed, today.AddDays(-Days), Days, $"{DemoData.Marker}R{n:000}"))
            .ToList();
}
