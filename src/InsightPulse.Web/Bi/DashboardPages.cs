using InsightPulse.Core.Audit;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Superset;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;
using Microsoft.AspNetCore.Antiforgery;

namespace InsightPulse.Web.Bi;

/// <summary>
/// <c>/dashboards</c>: the tenant's Dashboards menu (the registry's active dashboards the user's groups may see) and
/// each dashboard's page, which embeds it through Superset's embedded SDK against this host, exactly as an outside
/// page would; the SDK fetches its guest token from <c>POST /dashboards/{slug}/guest-token</c>, issued server-side
/// for the signed-in user (<see cref="DashboardGuestTokens"/>).
/// </summary>
public static partial class DashboardPages
{
    public static IEndpointRouteBuilder MapDashboardPages(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/dashboards", async (PageContext page, DashboardRegistry registry, CancellationToken ct) =>
        {
            var dashboards = await registry.VisibleAsync(page.Tenant, UserId(page), ct);
            var body = dashboards.Count == 0
                ? Html.Of($"<div class=\"card\" data-testid=\"no-dashboards\"><p>No dashboard is shared with you yet.</p></div>")
                : Html.Of($"<div class=\"cards\">{dashboards.Select(d => Html.Of($"<a class=\"card\" href=\"/dashboards/{d.Slug}\" data-testid=\"dashboard-link\"><h2>{d.Name}</h2><p class=\"muted\">{d.Description ?? ""}</p></a>"))}</div>");
            return HtmlResults.Page(Layout.Page(page, "Dashboards", body, "dashboards"));
        });
        endpoints.MapGet("/dashboards/{slug}", async (string slug, PageContext page, DashboardRegistry registry, IAntiforgery antiforgery, CancellationToken ct) =>
        {
            var dashboard = await registry.VisibleAsync(page.Tenant, UserId(page), slug, ct);
            if (dashboard?.EmbeddedUuid is not { } embedded)
            {
                return HtmlResults.Page(Layout.Page(page, "Not found", Html.Of($"<div class=\"card\"><p>There is no such dashboard here.</p><p><a href=\"/dashboards\">All dashboards</a></p></div>"), "dashboards"), StatusCodes.Status404NotFound);
            }
            var tokens = antiforgery.GetAndStoreTokens(page.Http);
            var origin = $"{page.Http.Request.Scheme}://{page.Http.Request.Host}";
            if (page.Tenant.SupersetBaseUrl is { } external)
            {
                // The dashboard comes from the tenant's external Superset: the SDK's iframe goes there (frame-src), and
                // that Superset checks our origin against its allowed domains (Referer: the origin only).
                origin = external.TrimEnd('/');
                var frameOrigin = new Uri(external).GetLeftPart(UriPartial.Authority);
                page.Http.Response.OnStarting(() =>
                {
                    page.Http.Response.Headers.ContentSecurityPolicy = Hosting.SecurityHeadersMiddleware.ContentSecurityPolicy + "; frame-src 'self' " + frameOrigin;
                    page.Http.Response.Headers["Referrer-Policy"] = "strict-origin-when-cross-origin";
                    return Task.CompletedTask;
                });
            }
            var body = Html.Of($"""
                <div id="bi-host" class="bi-host" data-testid="dashboard-host" data-embedded-uuid="{embedded.ToString()}" data-bi-domain="{origin}" data-title="{dashboard.Name}"
                     data-guest-token-url="/dashboards/{dashboard.Slug}/guest-token" data-antiforgery="{tokens.RequestToken ?? ""}"
                     data-hide-title="true" data-hide-chart-controls="{Flag(dashboard.HideChartControls)}" data-filters-visible="{Flag(!dashboard.HideFilters)}"></div>
                <link rel="stylesheet" href="/assets/bi/bi.css">
                <script src="/assets/vendor/superset-embedded-sdk.js"></script>
                <script src="/assets/bi/dashboard-host.js"></script>
                """);
            return HtmlResults.Page(Layout.Page(page, dashboard.Name, body, "dashboards"));
        });
        endpoints.MapPost("/dashboards/{slug}/guest-token", async (string slug, HttpContext http, PageContext page, DashboardRegistry registry, DashboardGuestTokens tokens, IAntiforgery antiforgery, AuditLog audit, ILogger<DashboardGuestTokens> logger, CancellationToken ct) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http)) return ApiProblem.Of(StatusCodes.Status400BadRequest, "The page's form token is missing or stale: reload the page.", "RequestVerificationToken");
            // The audit trail's dashboard.accessed: the token opens the dashboard's data to this user.
            var audited = new AuditEvent(SessionClaims.Actor(page.User), AuditActions.DashboardAccessed, page.Tenant.Code, new { Dashboard = slug });
            var dashboard = await registry.VisibleAsync(page.Tenant, UserId(page), slug, ct);
            if (dashboard is null)
            {
                await audit.RecordAsync(audited, AuditOutcome.Refused, new { Error = "not shared with the user" });
                return ApiProblem.Of(StatusCodes.Status403Forbidden, "This dashboard is not shared with you.");
            }
            var login = page.User.FindFirst(SessionClaims.Login)?.Value ?? "";
            try
            {
                var token = await audit.TrackAsync(audited, () => tokens.ForAsync(page.Tenant, dashboard, UserId(page), login, page.UserName, http.Connection.RemoteIpAddress, ct),
                    _ => new { DashboardId = dashboard.Id });
                return Results.Json(new { token });
            }
            catch (SupersetException e)
            {
                // The tenant's external Superset failed: the operator reads which check in the log, the user gets a 502.
                Log.ExternalGuestTokenFailed(logger, page.Tenant.Code, e.Check, e.Message);
                return ApiProblem.Of(StatusCodes.Status502BadGateway, "The dashboard service did not answer. Try again in a moment; if it keeps happening, tell your administrator.");
            }
        }).DisableAntiforgery() // checked above from the header: the SDK's fetch sends JSON, not a form
            .RequireRateLimiting(Auth.RateLimits.GuestToken);
        return endpoints;
    }

    private static long UserId(PageContext page) => SessionClaims.UserId(page.User) ?? throw new InvalidOperationException("A signed-in page without a user id.");

    private static string Flag(bool value) => value ? "true" : "false";

    private static partial class Log
    {
        [LoggerMessage(4001, LogLevel.Warning, "Guest token for tenant {Tenant} from its external Superset failed ({Check}): {Detail}")]
        public static partial void ExternalGuestTokenFailed(ILogger logger, string tenant, SupersetCheck check, string detail);
    }
}
