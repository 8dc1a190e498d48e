using InsightPulse.Core.Databases;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Isolation;

/// <summary>One place holding tenant data: a database (on a fleet server) and a schema in it, and the tenants that use it.</summary>
public sealed record TenantStoreRef(TenantStore Kind, string Server, string Database, string Schema, IReadOnlyList<string> Tenants)
{
    public string TenantText => string.Join(",", Tenants);

    /// <summary>
    /// The stores of these tenants, each once (platform and scout share the platform database, for instance):
    /// every tenant's database (schema public) and its schema in the shared data database (on its server). Drafts have none yet.
    /// </summary>
    public static IReadOnlyList<TenantStoreRef> Of(IEnumerable<Tenant> tenants, PlatformEnvironment environment, bool includeDrafts = false)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(environment);
        var stores = new Dictionary<(TenantStore, string, string, string), List<string>>();
        foreach (var tenant in tenants.Where(t => includeDrafts || t.State != TenantState.Draft))
        {
            foreach (var key in new[]
            {
                (TenantStore.Database, tenant.DatabaseServer, tenant.DbName, "public"),
                (TenantStore.Schema, environment.DataServer, environment.DataDatabase, tenant.SupabaseSchema),
            })
            {
                if (!stores.TryGetValue(key, out var codes)) stores[key] = codes = [];
                codes.Add(tenant.Code);
            }
        }
        return stores.Select(s => new TenantStoreRef(s.Key.Item1, s.Key.Item2, s.Key.Item3, s.Key.Item4, s.Value))
            .OrderBy(s => s.Server != FleetServer.Home).ThenBy(s => s.Server, StringComparer.Ordinal)
            .ThenBy(s => s.Database, StringComparer.Ordinal).ThenBy(s => s.Schema, StringComparer.Ordinal).ToList();
    }
}
