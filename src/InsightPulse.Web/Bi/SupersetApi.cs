using System.Text.Json.Serialization;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Postgres;
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
                return ApiProblem.Of(StatusCodes.Status401Unauthorized, "Not authorized: wrong user name, password or provider.");
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
            return ApiProblem.Of(StatusCodes.Status400BadRequest, "The CSRF token is missing or does not match: GET /api/v1/security/csrf_token/ first.", "X-CSRFToken");
        }
        var tenant = RequestTenant.Get(http);
        if (body.User is { } requested && UserProblem(requested) is { } userProblem) return ApiProblem.Of(StatusCodes.Status400BadRequest, userProblem.Message, userProblem.Field);
        if (body.Resources is not { Count: > 0 } resources) return BadRequest("resources: name at least one dashboard.", "resources");
        var dashboards = new List<WorkspaceDashboard>();
        for (var i = 0; i < resources.Count; i++)
        {
            var resource = resources[i];
            if (resource.Type != GuestTokenResource.DashboardType)
            {
                return BadRequest($"resources[{i}]: type '{Sql.Printable(resource.Type, 40)}' is not 'dashboard'.", $"resources[{i}].type");
            }
            var dashboard = await metadata.DashboardAsync(tenant.Code, resource.Id ?? "", cancellationToken);
            if (dashboard is null)
            {
                await audit.RecordAsync(new AuditEvent(AuditActor.BiApi(tenant.Code), AuditActions.DashboardAccessed, tenant.Code,
                    new { Dashboard = resource.Id, GuestUser = body.User?.Username }), AuditOutcome.Refused, new { Error = "not in the workspace" });
                return ApiProblem.Of(StatusCodes.Status403Forbidden, $"resources[{i}]: dashboard '{Sql.Printable(resource.Id, 80)}' is not one of this workspace's dashboards.", $"resources[{i}].id");
            }
            dashboards.Add(dashboard);
        }
        var rules = new List<GuestTokenRlsRule>();
        var rls = body.Rls ?? [];
        for (var i = 0; i < rls.Count; i++)
        {
            var (clause, datasetId) = (rls[i].Clause, rls[i].Dataset);
            var field = $"rls[{i}].clause";
            if (string.IsNullOrWhiteSpace(clause)) return BadRequest($"{field}: every rule needs a clause.", field);
            var datasets = new List<Dataset>();
            if (datasetId is { } id)
            {
                var dataset = await metadata.DatasetAsync(tenant.Code, id, cancellationToken);
                if (dataset is null) return ApiProblem.Of(StatusCodes.Status403Forbidden, $"rls[{i}].dataset: dataset {id} is not one of this workspace's datasets.", $"rls[{i}].dataset");
                datasets.Add(dataset);
            }
            else
            {
                datasets.AddRange(await DatasetsOfAsync(tenant.Code, dashboards, metadata, cancellationToken));
            }
            // A rule checked now, not when a chart first runs: against its dataset, or (no dataset named) against every
            // dataset of the granted dashboards, of which it must fit one at least (it would refuse every chart otherwise).
            if (ClauseProblem(clause, datasets) is { } problem) return BadRequest($"{field}: {problem}", field);
            rules.Add(new GuestTokenRlsRule(clause, datasetId));
        }
        var user = body.User is { } given ? new GuestTokenUser(given.Username, given.FirstName, given.LastName) : new GuestTokenUser();
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
                return BadRequest($"allowed_domains: '{Sql.Printable(bad, 100)}' is not [scheme://]host[:port].", "allowed_domains");
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

    /// <summary>Superset's answer without a valid access token (flask-jwt-extended's <c>msg</c>, and our <c>message</c>).</summary>
    internal static IResult NotAuthorized() =>
        ApiProblem.Of(StatusCodes.Status401Unauthorized, "Not authorized: sign in with POST /api/v1/security/login.", "Authorization",
            new Dictionary<string, object?> { ["msg"] = "Not authorized: sign in with POST /api/v1/security/login." });

    private static IResult NotFound() => ApiProblem.Of(StatusCodes.Status404NotFound, "Not found: no such dashboard in this workspace.");

    private static IResult BadRequest(string message, string field) => ApiProblem.Of(StatusCodes.Status400BadRequest, message, field);

    /// <summary>The longest guest user name, first or last name accepted into a token.</summary>
    private const int MaxUserNameLength = 255;

    /// <summary>Why a guest user's field cannot go into a token (it is shown on the embedded page): too long, or text no name may hold.</summary>
    private static (string Field, string Message)? UserProblem(GuestUserRequest user)
    {
        foreach (var (field, value) in new[] { ("user.username", user.Username), ("user.first_name", user.FirstName), ("user.last_name", user.LastName) })
        {
            if (value is null) continue;
            if (value.Length > MaxUserNameLength) return (field, $"{field}: at most {MaxUserNameLength} characters.");
            if (TextRules.Problem(value) is { } problem) return (field, $"{field}: {problem}");
        }
        return null;
    }

    /// <summary>The datasets of the charts of <paramref name="dashboards"/>, each once.</summary>
    private static async Task<IReadOnlyList<Dataset>> DatasetsOfAsync(string tenantCode, IEnumerable<WorkspaceDashboard> dashboards, BiMetadata metadata, CancellationToken cancellationToken)
    {
        var ids = new HashSet<long>();
        foreach (var dashboard in dashboards)
        {
            foreach (var chart in await metadata.ChartsAsync(tenantCode, dashboard.Id, cancellationToken)) ids.Add(chart.DatasetId);
        }
        var datasets = new List<Dataset>();
        foreach (var id in ids.Order())
        {
            if (await metadata.DatasetAsync(tenantCode, id, cancellationToken) is { } dataset) datasets.Add(dataset);
        }
        return datasets;
    }

    /// <summary>Null when <paramref name="clause"/> parses against one of <paramref name="datasets"/> at least; else why not (against the first).</summary>
    private static string? ClauseProblem(string clause, List<Dataset> datasets)
    {
        string? first = null;
        foreach (var dataset in datasets)
        {
            try
            {
                RlsClause.Parse(clause, dataset.ColumnTypes);
                return null;
            }
            catch (RlsClauseException e)
            {
                first ??= datasets.Count == 1 ? e.Message : $"{e.Message} (dataset {dataset.Name}; it fits none of the dashboards' datasets)";
            }
        }
        return first ?? "the dashboards have no dataset for a rule to apply to.";
    }

    internal sealed record LoginRequest(string? Username, string? Password, string? Provider, bool? Refresh);

    /// <summary>Superset's guest-token request; as Superset's schema does, a field it does not define is refused (naming it).</summary>
    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record GuestTokenRequest(GuestUserRequest? User, IReadOnlyList<ResourceRequest>? Resources, IReadOnlyList<RlsRequest>? Rls);

    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record GuestUserRequest(string? Username, string? FirstName, string? LastName);

    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record ResourceRequest(string? Type, [property: JsonConverter(typeof(StringOrNumberConverter))] string? Id);

    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    internal sealed record RlsRequest(string? Clause, [property: JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] long? Dataset);

    internal sealed record EmbeddedRequest(IReadOnlyList<string>? AllowedDomains);
}
