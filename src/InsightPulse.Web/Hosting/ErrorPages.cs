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
