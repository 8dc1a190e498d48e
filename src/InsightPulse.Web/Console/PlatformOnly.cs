using InsightPulse.Core.Tenants;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;

namespace InsightPulse.Web.Console;

/// <summary>
/// Endpoints served only on the platform tenant's host (<c>localhost</c>, the platform's domain): on a tenant's
/// host they answer 404, as if they did not exist there.
/// </summary>
public static class PlatformOnly
{
    public static bool IsPlatformHost(HttpContext http) => RequestTenant.Find(http)?.Code == Tenant.PlatformCode;

    /// <summary>Pages: a plain 404 page elsewhere.</summary>
    public static TBuilder RequirePlatformHost<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter((context, next) => IsPlatformHost(context.HttpContext)
            ? next(context)
            : ValueTask.FromResult<object?>(HtmlResults.Page(Layout.Bare("No site here", Html.Of($"""
                <main class="narrow"><div class="card status-card"><p class="status-code">404</p><h1>Not found</h1><p>There is nothing here.</p></div></main>
                """)), StatusCodes.Status404NotFound)));

    /// <summary>API: a problem document elsewhere.</summary>
    public static TBuilder RequirePlatformHostApi<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter((context, next) => IsPlatformHost(context.HttpContext)
            ? next(context)
            : ValueTask.FromResult<object?>(TypedResults.Problem(title: "Not found", detail: "The operator API is served on the platform's host only.",
                statusCode: StatusCodes.Status404NotFound)));
}
