using System.Text;

namespace InsightPulse.Web.Markup;

/// <summary>HTML responses.</summary>
public static class HtmlResults
{
    public static IResult Page(Html html, int statusCode = StatusCodes.Status200OK) =>
        Results.Text(html.Value, "text/html; charset=utf-8", Encoding.UTF8, statusCode);
}
