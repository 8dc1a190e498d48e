using InsightPulse.Core.Tenants;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// Endpoints served only on the platform tenant's host (<c>localhost</c>, the platform's domain): on a tenant's
/// host they answer 404, as if they did not exist there.
/// </summary>
public static class PlatformOnly
{
    public static bool IsPlatformHost(HttpContext http) => RequestTenant.Find(http)?.Code == Tenant.PlatformCode;

    /// <summary>Pages: a plain 404 page on any other host, before sign-in is asked for (so a tenant's visitors never learn the console exists).</summary>
    public static TBuilder RequirePlatformHost<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PlatformOnlyEndpoint(Api: false));

    /// <summary>API: a problem document on any other host.</summary>
    public static TBuilder RequirePlatformHostApi<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PlatformOnlyEndpoint(Api: true));

    /// <summary>
    /// Answers 404 for a platform-only endpoint on another host. Runs after routing (the endpoint is known) and
    /// before authentication, so no sign-in redirect or token challenge reveals the endpoint.
    /// </summary>
    public static IApplicationBuilder UsePlatformOnlyEndpoints(this IApplicationBuilder app) =>
        app.Use((context, next) =>
        {
            var only = context.GetEndpoint()?.Metadata.GetMetadata<PlatformOnlyEndpoint>();
            if (only is null || IsPlatformHost(context)) return next(context);
            return StatusPages.Write(context, StatusCodes.Status404NotFound, "Not found",
                only.Api ? "The operator API is served on the platform's host only." : "There is nothing here.");
        });
}
