namespace InsightPulse.Web.Hosting;

/// <summary>
/// Headers on every response: no MIME sniffing, no referrer to other sites, a content security policy that allows
/// only this site's own scripts, styles, forms and frames (pages carry no inline script; an embedded dashboard's page
/// names its allowed domains in <c>frame-ancestors</c>), and over HTTPS (as served, or as a trusted proxy says)
/// Strict-Transport-Security for a year.
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'self'; base-uri 'none'; object-src 'none'";

    /// <summary>A year, for this host only: each tenant's own domain decides for its subdomains.</summary>
    public const string StrictTransportSecurity = "max-age=31536000";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "same-origin";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        if (context.Request.IsHttps) headers.StrictTransportSecurity = StrictTransportSecurity;
        return next(context);
    }
}
