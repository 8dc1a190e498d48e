using System.Text.Json;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.TenantOperations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace InsightPulse.Web.Api;

/// <summary>
/// <c>/api/v1/tenants</c>: the operator API behind the console (snake_case JSON, problem details for errors).
/// Authenticated by the operator bearer token only, never by the session cookie (so no CSRF surface), and served
/// only on the platform host. The OpenAPI document is at <c>/api/v1/openapi.json</c>. Its changes go to the audit trail as
/// <see cref="AuditActor.OperatorApi"/> (the token names no person).
/// </summary>
public static class TenantApi
{
    public const string Prefix = "/api/v1/tenants";
    public const string OpenApiPath = "/api/v1/openapi.json";

    public static IServiceCollection AddTenantApi(this IServiceCollection services)
    {
        services.AddSingleton<OperatorToken>();
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        services.AddProblemDetails();
        services.AddOpenApi(options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("api/v1/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer<BearerSecurityScheme>();
        });
        return services;
    }

    public static IEndpointRouteBuilder MapTenantApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var token = endpoints.ServiceProvider.GetRequiredService<OperatorToken>(); // created now: the secret exists once the node runs
        endpoints.MapOpenApi(OpenApiPath).AllowAnonymous().RequirePlatformHostApi();

        var api = endpoints.MapGroup(Prefix).AllowAnonymous().RequirePlatformHostApi().WithTags("Tenants").RequireRateLimiting(Auth.RateLimits.Api);
        api.AddEndpointFilter(async (context, next) =>
        {
            if (token.Matches(OperatorToken.FromRequest(context.HttpContext.Request))) return await next(context);
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return TypedResults.Problem(title: "Operator token required",
                detail: "Send `Authorization: Bearer <token>`: the operator token is IPAI_OPERATOR_TOKEN, else the file .ipai/secrets/operator.token.",
                statusCode: StatusCodes.Status401Unauthorized);
        });
        api.MapGet("", ListAsync).WithName("ListTenants");
        api.MapGet("/{code}", GetAsync).WithName("GetTenant");
        api.MapPost("", CreateAsync).WithName("CreateTenant");
        api.MapPost("/{code}/provision", ProvisionAsync).WithName("ProvisionTenant");
        api.MapGet("/{code}/runs/latest", LatestRunAsync).WithName("GetLatestProvisioningRun");
        api.MapGet("/{code}/events", (string code, ProvisioningEvents events, CancellationToken cancellationToken) => events.Stream(code, cancellationToken))
            .WithName("FollowProvisioning").WithSummary("Server-sent events: `step` per finished step, then `state`.");
        api.MapPost("/{code}/suspend", (string code, TenantActions actions, TenantOverview overview, HttpRequest request, CancellationToken cancellationToken) =>
            ChangeAsync(code, (c, ct) => actions.SuspendAsync(AuditActor.OperatorApi, c, ct), overview, request, cancellationToken)).WithName("SuspendTenant");
        api.MapPost("/{code}/resume", (string code, TenantActions actions, TenantOverview overview, HttpRequest request, CancellationToken cancellationToken) =>
            ChangeAsync(code, (c, ct) => actions.ResumeAsync(AuditActor.OperatorApi, c, ct), overview, request, cancellationToken)).WithName("ResumeTenant");
        return endpoints;
    }

    /// <summary>
    /// A page of tenants (default <see cref="TenantFilter.DefaultLimit"/>, at most <see cref="TenantFilter.MaxLimit"/>), filtered by
    /// <c>state</c>, <c>module</c>, <c>server</c> and text <c>q</c>; the total that matched is in <c>X-Total-Count</c>, the next page in
    /// <c>Link: &lt;…&gt;; rel="next"</c>.
    /// </summary>
    private static async Task<Results<Ok<IReadOnlyList<TenantResource>>, ValidationProblem>> ListAsync(
        TenantOverview overview, HttpRequest request, HttpResponse response, string? state, string? module, string? q, string? offset, string? limit, string? server,
        CancellationToken cancellationToken)
    {
        var (filter, errors) = TenantFilter.Parse(state, module, q, offset, limit, server);
        if (filter is null) return TypedResults.ValidationProblem(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));
        var page = await overview.ListAsync(request, filter, cancellationToken);
        response.Headers["X-Total-Count"] = page.Total.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (page.NextOffset is { } next)
        {
            var query = QueryString.Create(request.Query.Where(p => p.Key != "offset").SelectMany(p => p.Value.Select(v => new KeyValuePair<string, string?>(p.Key, v)))
                .Append(new("offset", next.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            response.Headers.Link = $"<{Prefix}{query}>; rel=\"next\"";
        }
        return TypedResults.Ok(page.Items);
    }

    private static async Task<Results<Ok<TenantResource>, ProblemHttpResult>> GetAsync(string code, TenantOverview overview, HttpRequest request, CancellationToken cancellationToken) =>
        await overview.FindAsync(code, request, cancellationToken) is { } tenant ? TypedResults.Ok(tenant) : NotFound(code);

    private static async Task<Results<Created<TenantResource>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        CreateTenantRequest body, TenantActions actions, TenantOverview overview, HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var created = await actions.CreateAsync(AuditActor.OperatorApi, body, cancellationToken);
            return TypedResults.Created($"{Prefix}/{created.Code}", overview.Resource(created, request, [], null));
        }
        catch (TenantValidationException e)
        {
            return TypedResults.ValidationProblem(e.Errors.GroupBy(x => x.Field).ToDictionary(g => g.Key, g => g.Select(x => x.Message).ToArray()),
                title: "The tenant is not valid");
        }
        catch (TenantConflictException e)
        {
            return TypedResults.Problem(title: "Conflict", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static async Task<Results<Accepted<ProvisioningAccepted>, ProblemHttpResult>> ProvisionAsync(
        string code, TenantActions actions, CancellationToken cancellationToken)
    {
        try
        {
            var tenant = await actions.StartProvisioningAsync(AuditActor.OperatorApi, code, cancellationToken);
            var run = $"{Prefix}/{tenant.Code}/runs/latest";
            return TypedResults.Accepted(run, new ProvisioningAccepted(tenant.Code, run, $"{Prefix}/{tenant.Code}/events"));
        }
        catch (TenantNotFoundException)
        {
            return NotFound(code);
        }
        catch (InvalidTenantStateException e)
        {
            return TypedResults.Problem(title: "Cannot provision now", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static async Task<Results<Ok<ProvisionRun>, ProblemHttpResult>> LatestRunAsync(string code, ProvisioningJournal journal, CancellationToken cancellationToken) =>
        await journal.LatestRunAsync(code, cancellationToken) is { } run
            ? TypedResults.Ok(run)
            : TypedResults.Problem(title: "No run", detail: $"Tenant '{code}' has no provisioning run (or does not exist).", statusCode: StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<TenantResource>, ProblemHttpResult>> ChangeAsync(
        string code, Func<string, CancellationToken, Task<Tenant>> change, TenantOverview overview, HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await change(code, cancellationToken);
            return TypedResults.Ok((await overview.FindAsync(code, request, cancellationToken))!);
        }
        catch (TenantNotFoundException)
        {
            return NotFound(code);
        }
        catch (InvalidTenantStateException e)
        {
            return TypedResults.Problem(title: "Not allowed in this state", detail: e.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    private static ProblemHttpResult NotFound(string code) =>
        TypedResults.Problem(title: "No such tenant", detail: $"No tenant has the code '{code}'.", statusCode: StatusCodes.Status404NotFound);
}
