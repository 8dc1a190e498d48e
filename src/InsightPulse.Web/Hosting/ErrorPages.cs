using InsightPulse.Core.Isolation;
using InsightPulse.Web.Markup;
using Microsoft.AspNetCore.Diagnostics;

namespace InsightPulse.Web.Hosting;

/// <summary>What an unexpected failure answers: a plain page (or problem JSON under <c>/api</c>) that shows no detail; the detail goes to the log.</summary>
public static class ErrorPages
{
    public static Task WriteAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        if (error is TenantDatabaseUnavailableException unavailable)
        {
            // This tenant's database is missing or does not answer: 503 with Retry-After (and, when it is the tenant's
            // own trouble, the next requests get it at once instead of waiting for a connection timeout each).
            var retryAfter = context.RequestServices.GetRequiredService<TenantAvailability>().RetryAfterSeconds(unavailable);
            return TenantResolutionMiddleware.Unavailable(context, RequestTenant.Find(context)?.Name ?? unavailable.TenantCode, retryAfter);
        }
        if (error is not null && TenantDatabaseUnavailableException.IsConnectionFailure(error))
        {
            // The server itself does not answer (restarting, starting up, down): the platform database's reads on the
            // request path (sessions, routing) meet it before any tenant's. 503 at once; nothing is recorded, so the
            // first request after the server is back is served.
            var options = context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<WebOptions>>().Value;
            return TenantResolutionMiddleware.Unavailable(context, RequestTenant.Find(context)?.Name ?? "This site", options.RetryAfterSeconds);
        }
        var (status, title, message) = error switch
        {
            BadHttpRequestException bad => (bad.StatusCode, "Bad request", "The request could not be read. If you submitted a form, reload the page and try again."),
            TenantContextRequiredException => (StatusCodes.Status404NotFound, "Not found", "There is nothing here."),
            _ => (StatusCodes.Status500InternalServerError, "Something went wrong", "The server could not finish this request. It has been logged; try again in a moment."),
        };
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
        {
            context.Response.StatusCode = status;
            return Results.Problem(title: title, detail: message, statusCode: status).ExecuteAsync(context);
        }
        return StatusPages.Write(context, status, title, message);
    }
}
