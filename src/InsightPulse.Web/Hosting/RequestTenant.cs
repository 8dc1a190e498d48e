using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Hosting;

/// <summary>The tenant a request was routed to, set once by <see cref="TenantResolutionMiddleware"/>.</summary>
public static class RequestTenant
{
    private static readonly object Key = new();

    internal static void Set(HttpContext context, Tenant tenant) => context.Items[Key] = tenant;

    /// <summary>The request's tenant, or null on paths served for every host (health, assets).</summary>
    public static Tenant? Find(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Items.TryGetValue(Key, out var tenant) ? (Tenant?)tenant : null;
    }

    /// <summary>The request's tenant; refuses when there is none (never a default tenant).</summary>
    public static Tenant Get(HttpContext context) =>
        Find(context) ?? throw new TenantContextRequiredException("This endpoint serves a tenant, but the request was not routed to one.");
}
