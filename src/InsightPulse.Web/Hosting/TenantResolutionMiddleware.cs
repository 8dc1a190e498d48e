using System.Globalization;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Markup;
using Microsoft.Extensions.Options;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// Routes every request to its tenant by host name, once, from the node's routing table (the seed's
/// "--db-filter → tenant DB" step). An unknown host gets a 404 that names no tenant; a tenant being set up a 503 with
/// <c>Retry-After</c>; a suspended or archived tenant a 403 page saying so; a tenant whose database cannot be reached
/// (<see cref="TenantAvailability"/>) a 503 with <c>Retry-After</c>. Health checks and assets are served for every host.
/// </summary>
public sealed class TenantResolutionMiddleware(RequestDelegate next, TenantRouteTable routes, TenantAvailability availability, IOptions<WebOptions> options)
{
    private static readonly string[] HostFreePaths = ["/healthz", "/readyz", "/assets/", "/favicon.ico"];

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var path = context.Request.Path.Value ?? "/";
        if (HostFreePaths.Any(p => p.EndsWith('/') ? path.StartsWith(p, StringComparison.Ordinal) : path == p))
        {
            return next(context);
        }
        var tenant = routes.Resolve(context.Request.Host.Value);
        if (tenant is null)
        {
            return StatusPages.Write(context, StatusCodes.Status404NotFound, "No site here",
                "This address does not belong to any site on this server. Check the address you typed.");
        }
        switch (tenant.State)
        {
            case TenantState.Active when availability.Find(tenant.Code) is null:
                // The path of nearly every request: no outage on record, nothing to await before the endpoint.
                RequestTenant.Set(context, tenant);
                return next(context);
            case TenantState.Active:
                return ServeAsync(context, tenant);
            case TenantState.Draft or TenantState.Provisioning:
                context.Response.Headers.RetryAfter = options.Value.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                return StatusPages.Write(context, StatusCodes.Status503ServiceUnavailable, "Being set up",
                    $"{tenant.Name} is being set up. This page will work in a moment: try again shortly.");
            default:
                return StatusPages.Write(context, StatusCodes.Status403Forbidden, tenant.State == TenantState.Suspended ? "Suspended" : "Archived",
                    tenant.State == TenantState.Suspended
                        ? $"{tenant.Name} is suspended. Its data is kept; ask your platform operator to resume it."
                        : $"{tenant.Name} is archived and no longer served. Ask your platform operator to restore it.");
        }
    }

    /// <summary>A tenant with an outage on record: 503 until its retry time, then served if its database is back.</summary>
    private async Task ServeAsync(HttpContext context, Tenant tenant)
    {
        if (await availability.CurrentAsync(tenant, context.RequestAborted) is { } outage)
        {
            await Unavailable(context, tenant.Name, availability.RetryAfterSeconds(outage));
            return;
        }
        RequestTenant.Set(context, tenant);
        await next(context);
    }

    /// <summary>The 503 of a tenant whose database cannot be reached now (problem JSON under <c>/api</c>).</summary>
    internal static Task Unavailable(HttpContext context, string tenantName, int retryAfterSeconds)
    {
        context.Response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return StatusPages.Write(context, StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable",
            $"{tenantName} cannot be reached right now: its data is not available. Try again in a moment; if it lasts, tell your platform operator.");
    }
}
