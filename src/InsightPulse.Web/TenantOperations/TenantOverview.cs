using InsightPulse.Core.Databases;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Hosting;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// Every tenant as an operator sees it (<see cref="TenantResource"/>): registry row, the server it lives on, its
/// extra modules, the addresses it is served at and its last provisioning run with per-step times.
/// </summary>
public sealed class TenantOverview(
    TenantRegistry registry, TenantModules modules, ProvisioningJournal journal,
    ProvisioningRunner runner, TenantHostOptions hosts, TenantAvailability availability)
{
    /// <summary>The page of tenants <paramref name="filter"/> asks for (<see cref="TenantFilter"/>), and how many matched in all.</summary>
    public async Task<TenantPage<TenantResource>> ListAsync(HttpRequest request, TenantFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var tenants = await registry.ListAsync(cancellationToken);
        var extra = (await modules.ListAllAsync(cancellationToken)).ToLookup(m => m.TenantCode, m => m.Module, StringComparer.Ordinal);
        var page = filter.Apply(tenants, t => t, t => extra[t.Code]);
        var runs = await journal.LatestRunsAsync([.. page.Items.Select(t => t.Code)], cancellationToken);
        return new TenantPage<TenantResource>(page.Total, page.Offset, page.Limit,
            page.Items.Select(t => Resource(t, request, extra[t.Code].ToList(), runs.GetValueOrDefault(t.Code))).ToList());
    }

    /// <summary>One tenant, or null when there is no tenant with that code.</summary>
    public async Task<TenantResource?> FindAsync(string code, HttpRequest request, CancellationToken cancellationToken)
    {
        var tenant = await registry.FindAsync(code, cancellationToken);
        if (tenant is null) return null;
        return Resource(tenant, request, await modules.ListAsync(tenant.Code, cancellationToken), await journal.LatestRunAsync(tenant.Code, cancellationToken));
    }

    public TenantResource Resource(Tenant tenant, HttpRequest request, IReadOnlyList<string> tenantModules, ProvisionRun? lastRun)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return TenantResource.From(tenant, Hosts(tenant), Urls(tenant, request), tenantModules, runner.IsBusy(tenant.Code), lastRun) with
        {
            Unavailable = availability.Find(tenant.Code) is { } outage ? $"{outage.Reason} (since {outage.Since:u})" : null,
        };
    }

    /// <summary>
    /// Where the tenant's site opens: its primary domain, and its development host (<see cref="TenantHosts"/>:
    /// <c>afc-client.localhost</c>; the platform: <c>localhost</c>) on the port this request came in on.
    /// </summary>
    public IReadOnlyList<string> Urls(Tenant tenant, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(request);
        var urls = new List<string>();
        var scheme = request.Scheme == "https" ? "https" : "http";
        if (tenant.PrimaryDomain is { } domain) urls.Add($"{scheme}://{domain}/");
        if (TenantHosts.DevelopmentHost(tenant.Code, hosts.DevelopmentSuffix) is { } host)
        {
            var port = request.Host.Port is { } p ? ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
            var url = $"{scheme}://{host}{port}/";
            if (!urls.Contains(url)) urls.Add(url);
        }
        return urls;
    }

    /// <summary>The tenant's host names (<see cref="TenantHosts.Of"/>) under this web host's development suffix.</summary>
    public IReadOnlyList<string> Hosts(Tenant tenant) => TenantHosts.Of(tenant, hosts.DevelopmentSuffix);
}
