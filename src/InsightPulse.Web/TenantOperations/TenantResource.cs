using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// A tenant as the operator API and console show it: registry fields, where it is stored (its database's fleet server,
/// null for a draft not placed yet) and served (host names and URLs), its last run.
/// </summary>
public sealed record TenantResource(
    string Code,
    string Name,
    string State,
    string? PrimaryDomain,
    IReadOnlyList<string> Hosts,
    IReadOnlyList<string> Urls,
    string DbName,
    string SupabaseSchema,
    string? Server,
    IReadOnlyList<string> Modules,
    string Industry,
    string Country,
    string? CompanyName,
    string? AdminEmail,
    bool ProvisioningQueued,
    ProvisionRun? LastRun)
{
    /// <summary>Why this node cannot reach the tenant's database now (its host answers 503); null when it can.</summary>
    public string? Unavailable { get; init; }

    public static TenantResource From(Tenant tenant, IReadOnlyList<string> hosts, IReadOnlyList<string> urls, IReadOnlyList<string> modules, bool queued, ProvisionRun? lastRun)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return new TenantResource(tenant.Code, tenant.Name, TenantLifecycle.ToText(tenant.State), tenant.PrimaryDomain, hosts, urls, tenant.DbName,
            tenant.SupabaseSchema, tenant.Server, modules, tenant.Industry, tenant.Country, tenant.CompanyName, tenant.AdminEmail, queued, lastRun);
    }
}
