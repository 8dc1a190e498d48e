namespace InsightPulse.Web.Markup;

/// <summary>
/// Plain answers for refusals outside an endpoint's own (404, 503, 403, 400, 405, 415, 429): a page that names nothing
/// but what the visitor asked for, or under <c>/api</c> problem details (RFC 7807, <c>application/problem+json</c>)
/// with the same title and message, and <paramref name="extensions"/> (the field or JSON position a 400 is about).
/// </summary>
public static class StatusPages
{
    public static Task Write(HttpContext context, int statusCode, string title, string message, IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = statusCode;
        context.Response.Headers.CacheControl = "no-store";
        if (IsApi(context.Request))
        {
            return Results.Problem(title: title, detail: message, statusCode: statusCode, extensions: extensions).ExecuteAsync(context);
        }
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(HtmlDocument.Page(title, Html.Of($"""
            <main class="narrow"><div class="card status-card">
              <p class="status-code">{statusCode}</p>
              <h1>{title}</h1>
              <p>{message}</p>
            </div></main>
            """)).Value);
    }

    /// <summary>The page or problem document of the response's status, for an answer that has none of its own.</summary>
    public static Task WriteDefault(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var status = context.Response.StatusCode;
        var (title, message) = status switch
        {
            StatusCodes.Status404NotFound => ("Not found", "There is nothing here."),
            StatusCodes.Status401Unauthorized => ("Not signed in", "This needs a valid session or token."),
            StatusCodes.Status403Forbidden => ("Not allowed", "You may not do this."),
            StatusCodes.Status405MethodNotAllowed => ("Method not allowed", "This path does not take this method."),
            StatusCodes.Status415UnsupportedMediaType => ("Unsupported media type", "The request's Content-Type is not one this endpoint reads."),
            >= 500 => ("Something went wrong", "The server could not finish this request. It has been logged; try again in a moment."),
            _ => ("Bad request", "The request could not be read."),
        };
        return Write(context, status, title, message);
    }

    /// <summary>
    /// A request answered with problem details: to the JSON APIs (the operator API and the Superset-shaped one), or a
    /// page's script asking for JSON (<c>Accept: application/json</c>, as the Dashboards page fetches its guest token).
    /// </summary>
    public static bool IsApi(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Path.StartsWithSegments("/api", StringComparison.Ordinal)
            || request.Headers.Accept.Any(accept => accept?.Contains("application/json", StringComparison.OrdinalIgnoreCase) == true
                || accept?.Contains("application/problem+json", StringComparison.OrdinalIgnoreCase) == true);
    }
}
