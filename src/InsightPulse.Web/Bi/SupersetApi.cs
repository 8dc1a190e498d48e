using System.Text.Json.Serialization;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Web.Hosting;

namespace InsightPulse.Web.Bi;

/// <summary>
/// The part of Apache Superset's REST API a tenant's back end uses to embed dashboards, at the same paths with the
/// same bodies: <c>POST /api/v1/security/login</c> (the tenant's service account) → <c>access_token</c>;
/// <c>GET /api/v1/security/csrf_token/</c>; <c>POST /api/v1/security/guest_token/</c>; and
/// <c>GET|POST|PUT|DELETE /api/v1/dashboard/{id_or_slug}/embedded</c>. Served at each tenant's host, for that
/// tenant's workspace only: a token never names another tenant's dashboard.
/// </summary>
public static class SupersetApi
{
    public static IEndpointRouteBuilder MapSupersetApi(this IEndpointRouteBuilder endpoints)
    {
        var security = endpoints.MapGroup("/api/v1/security").AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        security.MapPost("/login", (LoginRequest body, HttpContext http, BiServiceAccounts accounts, BiAccessTokens access) =>
        {
            var tenant = RequestTenant.Get(http);
            if (body.Provider is not (null or "db") || !accounts.Verify(tenant.Code, body.Username, body.Password))
            {
                return Results.Json(new { message = "Not authorized" }, statusCode: StatusCodes.Status401Unauthorized);
            }
            return Results.Json(new { access_token = access.Issue(tenant.Code) });
        }).RequireRateLimiting(Auth.RateLimits.SignIn);
        security.MapGet("/csrf_token/", (HttpContext http, BiAccessTokens access) =>
            Authorized(http, access) is { } authorization ? Results.Json(new { result = access.CsrfFor(authorization) }) : NotAuthorized());
        security.MapPost("/guest_token/", IssueGuestTokenAsync).RequireRateLimiting(Auth.RateLimits.GuestToken);

        var embedded = endpoints.MapGroup("/api/v1/dashboard/{idOrSlug}/embedded").AllowAnonymous().DisableAntiforgery().ExcludeFromDescription().RequireRateLimiting(Auth.RateLimits.Api);
        embedded.MapGet("", (string idOrSlug, HttpContext http, BiAccessTokens access, BiMetadata metadata, CancellationToken ct) =>
            WithDashboardAsync(http, access, metadata, idOrSlug, d => Task.FromResult(d.Embedded ? Results.Json(new { result = Embedded(d) }) : NotFound()), ct));
        embedded.MapPost("", SetEmbeddedAsync);
        embedded.MapPut("", SetEmbeddedAsync);
        embedded.MapDelete("", (string idOrSlug, HttpContext http, BiAccessTokens access, BiMetadata metadata, BiWorkspaceInstaller installer, CancellationToken ct) =>
            WithDashboardAsync(http, access, metadata, idOrSlug, async d =>
            {
                var off = await metadata.SetEmbeddedAsync(d.TenantCode, d.Id, null, ct);
                await installer.RegisterEmbeddedAsync(RequestTenant.Get(http), off, ct);
                return Results.Json(new { message = "OK" });
            }, ct));
        return endpoints;
    }

    /// <summary>
    /// A guest token for the workspace's dashboards, recorded in the audit trail (<c>dashboard.accessed</c>, as the tenant's
    /// BI service account, naming the dashboards and the guest user) when issued or refused for a dashboard not in the workspace.
    /// </summary>
    private static async Task<IResult> IssueGuestTokenAsync(GuestTokenRequest body, HttpContext http, BiAccessTokens access, BiMetadata metadata, GuestTokens tokens, AuditLog audit, CancellationToken cancellationToken)
    {
        if (Authorized(http, access) is not { } authorization) return NotAuthorized();
        if (!access.CsrfMatches(authorization, http.Request.Headers["X-CSRFToken"]))
        {
            return Results.Json(new { message = "The CSRF token is missing or does not match: GET /api/v1/security/csrf_token/ first." }, statusCode: StatusCodes.Status400BadRequest);
        }
        var tenant = RequestTenant.Get(http);
        if (body.Resources is not { Count: > 0 } resources) return BadRequest("resources: name at least one dashboard.");
        var dashboards = new List<WorkspaceDashboard>();
        foreach (var resource in resources)
        {
            if (resource.Type != GuestTokenResource.DashboardType) return BadRequest($"resources: type '{resource.Type}' is not 'dashboard'.");
            var dashboard = await metadata.DashboardAsync(tenant.Code, resource.Id ?? "", cancellationToken);
            if (dashboard is null)
            {
                await audit.RecordAsync(new AuditEvent(AuditActor.BiApi(tenant.Code), AuditActions.DashboardAccessed, tenant.Code,
                    new { Dashboard = resource.Id, GuestUser = body.User?.Username }), AuditOutcome.Refused, new { Error = "not in the workspace" });
                return Results.Json(new { message = $"Dashboard '{resource.Id}' is not one of this workspace's dashboards." }, statusCode: StatusCodes.Status403Forbidden);
            }
            dashboards.Add(dashboard);
        }
        var rules = new List<GuestTokenRlsRule>();
        foreach (var rule in body.Rls ?? [])
        {
            if (string.IsNullOrWhiteSpace(rule.Clause)) return BadRequest("rls: every rule needs a clause.");
            if (rule.Dataset is { } datasetId)
            {
                var dataset = await metadata.DatasetAsync(tenant.Code, datasetId, cancellationToken);
                if (dataset is null) return Results.Json(new { message = $"rls: dataset {datasetId} is not one of this workspace's datasets." }, statusCode: StatusCodes.Status403Forbidden);
                try
                {
                    RlsClause.Parse(rule.Clause, dataset.ColumnTypes);
                }
                catch (RlsClauseException e)
                {
                    return BadRequest($"rls: {e.Message}");
                }
            }
            rules.Add(new GuestTokenRlsRule(rule.Clause, rule.Dataset));
        }
        var user = body.User ?? new GuestTokenUser();
        var token = tokens.Issue(user, dashboards.Select(d => GuestTokenResource.Dashboard(d.Embedded ? d.EmbeddedUuid.ToString() : d.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList(), rules);
        await audit.RecordAsync(new AuditEvent(AuditActor.BiApi(tenant.Code), AuditActions.DashboardAccessed, tenant.Code,
            new { Dashboards = dashboards.Select(d => d.Slug).ToArray(), GuestUser = user.Username, RlsRules = rules.Count }), AuditOutcome.Succeeded);
        return Results.Json(new { token });
    }

    private static Task<IResult> SetEmbeddedAsync(string idOrSlug, EmbeddedRequest body, HttpContext http, BiAccessTokens access, BiMetadata metadata, BiWorkspaceInstaller installer, CancellationToken cancellationToken) =>
        WithDashboardAsync(http, access, metadata, idOrSlug, async dashboard =>
        {
            var domains = body.AllowedDomains ?? [];
            if (domains.FirstOrDefault(d => !AllowedDomains.IsValid(d)) is { } bad)
            {
                return BadRequest($"allowed_domains: '{Core.Postgres.Sql.Printable(bad)}' is not [scheme://]host[:port].");
            }
            var changed = await metadata.SetEmbeddedAsync(dashboard.TenantCode, dashboard.Id, domains, cancellationToken);
            await installer.RegisterEmbeddedAsync(RequestTenant.Get(http), changed, cancellationToken);
            return Results.Json(new { result = Embedded(changed) });
        }, cancellationToken);

    private static async Task<IResult> WithDashboardAsync(HttpContext http, BiAccessTokens access, BiMetadata metadata, string idOrSlug, Func<WorkspaceDashboard, Task<IResult>> then, CancellationToken cancellationToken)
    {
        if (Authorized(http, access) is null) return NotAuthorized();
        var dashboard = await metadata.DashboardAsync(RequestTenant.Get(http).Code, idOrSlug, cancellationToken);
        return dashboard is null ? NotFound() : await then(dashboard);
    }

    private static object Embedded(WorkspaceDashboard dashboard) => new
    {
        uuid = dashboard.EmbeddedUuid,
        allowed_domains = dashboard.AllowedDomains,
        dashboard_id = dashboard.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The request's Authorization header when it carries an access token of the host's tenant.</summary>
    internal static string? Authorized(HttpContext http, BiAccessTokens access)
    {
        var authorization = http.Request.Headers.Authorization.ToString();
        return access.TenantOf(authorization) == RequestTenant.Get(http).Code ? authorization : null;
    }

    internal static IResult NotAuthorized() => Results.Json(new { msg = "Not authorized: sign in with POST /api/v1/security/login." }, statusCode: StatusCodes.Status401Unauthorized);

    private static IResult NotFound() => Results.Json(new { message = "Not found" }, statusCode: StatusCodes.Status404NotFound);

    private static IResult BadRequest(string message) => Results.Json(new { message }, statusCode: StatusCodes.Status400BadRequest);

    internal sealed record LoginRequest(string? Username, string? Password, string? Provider, bool? Refresh);

    internal sealed record GuestTokenRequest(GuestTokenUser? User, IReadOnlyList<ResourceRequest>? Resources, IReadOnlyList<RlsRequest>? Rls);

    internal sealed record ResourceRequest(string? Type, [property: JsonConverter(typeof(StringOrNumberConverter))] string? Id);

    internal sealed record RlsRequest(string? Clause, [property: JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] long? Dataset);

    internal sealed record EmbeddedRequest(IReadOnlyList<string>? AllowedDomains);
}
