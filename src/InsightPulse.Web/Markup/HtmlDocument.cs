namespace InsightPulse.Web.Markup;

/// <summary>The HTML document every page is: head, stylesheet, body. Tenant pages put their shell (<c>Pages.Layout</c>) inside it.</summary>
public static class HtmlDocument
{
    public const string Stylesheet = "/assets/site.css";

    public static Html Page(string title, Html body) => Html.Of($"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{title}</title>
        <link rel="stylesheet" href="{Stylesheet}">
        </head>
        <body>
        {body}
        </body>
        </html>
        """);
}
