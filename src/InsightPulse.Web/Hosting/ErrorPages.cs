using System.Text.Json;
using System.Text.RegularExpressions;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Web.Markup;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Diagnostics;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// What a failure answers, in one place: a request that could not be read (a body that is not JSON or is nested too
/// deep, a value of the wrong type, a field a request does not take, a missing body, a parameter that does not parse, a
/// stale form token: every binding failure throws, <c>RouteHandlerOptions.ThrowOnBadRequest</c>) gets a 400 that names
/// the JSON path, line and byte or the parameter; anything unexpected a plain 500 that shows no detail (the detail goes to
/// the log). Under <c>/api</c> as problem details, elsewhere as a page (<see cref="StatusPages"/>).
/// </summary>
public static partial class ErrorPages
{
    /// <summary>A refused request is the client's mistake, not the server's: no error log and no exception diagnostics for it.</summary>
    public static bool IsClientError(ExceptionHandlerSuppressDiagnosticsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Exception is BadHttpRequestException;
    }

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
        return error switch
        {
            BadHttpRequestException { InnerException: JsonException json } => WriteJsonErrorAsync(context, json),
            BadHttpRequestException bad => StatusPages.Write(context, bad.StatusCode, "Bad request", Describe(context, bad)),
            TenantContextRequiredException => StatusPages.Write(context, StatusCodes.Status404NotFound, "Not found", "There is nothing here."),
            _ => StatusPages.Write(context, StatusCodes.Status500InternalServerError, "Something went wrong",
                "The server could not finish this request. It has been logged; try again in a moment."),
        };
    }

    /// <summary>A body that is not the JSON the endpoint reads: 400 naming the JSON path, the line and the byte (both from 1).</summary>
    private static Task WriteJsonErrorAsync(HttpContext context, JsonException json)
    {
        var (path, line, position, text) = JsonErrors.Describe(json);
        var detail = char.ToUpperInvariant(text[0]) + text[1..];
        return StatusPages.Write(context, StatusCodes.Status400BadRequest, "The request body is not valid", detail, new Dictionary<string, object?>
        {
            ["errors"] = new Dictionary<string, string[]> { [path] = [detail] },
            ["line"] = line,
            ["byte"] = position,
        });
    }

    /// <summary>What a binding failure says, in words for the client: no type names from the framework, the value (printable) it could not read.</summary>
    private static string Describe(HttpContext context, BadHttpRequestException bad)
    {
        if (bad.StatusCode == StatusCodes.Status413PayloadTooLarge) return "The request body is too large.";
        if (bad.Message.Contains("anti-forgery", StringComparison.OrdinalIgnoreCase) || bad.Message.Contains("antiforgery", StringComparison.OrdinalIgnoreCase))
        {
            // The token check reads the form first: when the form itself cannot be read, that is what to say.
            return context.Features.Get<IAntiforgeryValidationFeature>()?.Error?.InnerException is InvalidDataException unread
                ? $"The form could not be read: {Sql.Printable(unread.Message, 200)} (a form cannot carry a NUL character, for one)."
                : "The form's token is missing or stale: reload the page and submit the form again.";
        }
        if (bad.Message.Contains("from body", StringComparison.Ordinal) || bad.Message.Contains("no body was provided", StringComparison.Ordinal))
        {
            return "The request needs a JSON body (Content-Type: application/json).";
        }
        if (FailedToBind().Match(bad.Message) is { Success: true } failed)
        {
            return $"The parameter {failed.Groups["name"].Value} cannot be '{Sql.Printable(failed.Groups["value"].Value, 60)}': it takes {TypeWords(failed.Groups["type"].Value)}.";
        }
        if (RequiredParameter().Match(bad.Message) is { Success: true } required)
        {
            return $"The parameter {required.Groups["name"].Value} is required.";
        }
        return bad.StatusCode == StatusCodes.Status415UnsupportedMediaType
            ? "The request's Content-Type is not one this endpoint reads."
            : "The request could not be read. If you submitted a form, reload the page and try again.";
    }

    private static string TypeWords(string type) => type.TrimEnd('?') switch
    {
        "int" or "long" or "Int32" or "Int64" => "a whole number",
        "bool" or "Boolean" => "true or false",
        "Guid" => "a uuid",
        "decimal" or "double" => "a number",
        _ => "a value of another form",
    };

    [GeneratedRegex("""Failed to bind parameter "(?<type>[^" ]+) (?<name>\w+)" from "(?<value>.*)"\.\z""", RegexOptions.Singleline)]
    private static partial Regex FailedToBind();

    [GeneratedRegex("""Required parameter "(?<type>[^" ]+) (?<name>\w+)" was not provided""")]
    private static partial Regex RequiredParameter();
}
