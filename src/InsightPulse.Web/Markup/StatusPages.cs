namespace InsightPulse.Web.Markup;

/// <summary>Plain pages for answers before a tenant is known (404, 503, 403): they name nothing but what the visitor asked for.</summary>
public static class StatusPages
{
    public static Task Write(HttpContext context, int statusCode, string title, string message)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(HtmlDocument.Page(title, Html.Of($"""
            <main class="narrow"><div class="card status-card">
              <p class="status-code">{statusCode}</p>
              <h1>{title}</h1>
              <p>{message}</p>
            </div></main>
            """)).Value);
    }
}
