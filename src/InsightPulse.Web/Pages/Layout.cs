using InsightPulse.Core.Tenants;
using InsightPulse.Web.Markup;

namespace InsightPulse.Web.Pages;

/// <summary>
/// The page shell: the tenant's name and the domain it is served on are always in the header, so a user knows
/// where they are; navigation shows only what the tenant has and the user may use.
/// </summary>
public static class Layout
{
    public const string FinanceModule = "ipai_finance_ppm";
    public const string Stylesheet = "/assets/site.css";

    /// <summary>A tenant page.</summary>
    public static Html Page(PageContext page, string title, Html body, string? section = null)
    {
        ArgumentNullException.ThrowIfNull(page);
        var nav = new List<Html>();
        if (page.SignedIn)
        {
            nav.Add(NavLink("/", "Home", section == "home"));
            if (page.HasModule(FinanceModule))
            {
                nav.Add(NavLink("/finance/agencies", "Agencies", section == "agencies"));
                nav.Add(NavLink("/finance/projects", "Projects", section == "projects"));
                nav.Add(NavLink("/finance/expenses", "Expense reports", section == "expenses"));
            }
            if (page.IsAdmin) nav.Add(NavLink("/settings/users", "Users", section == "users"));
            if (page.IsAdmin && page.Tenant.Code == Tenant.PlatformCode) nav.Add(NavLink("/console", "Console", section == "console"));
        }
        var user = page.SignedIn
            ? Html.Of($"""
                <form class="signout" method="post" action="/logout">{page.FormToken()}
                  <span class="user" data-testid="user-name">{page.UserName}</span>
                  <button type="submit" class="link">Sign out</button>
                </form>
                """)
            : Html.Empty;
        return Document($"{title} · {page.Tenant.Name}", Html.Of($"""
            <header class="top">
              <div class="tenant">
                <a class="tenant-name" href="/" data-testid="tenant-name">{page.Tenant.Name}</a>
                <span class="tenant-domain" data-testid="tenant-domain" title="You are on this site">{page.Host}</span>
              </div>
              {user}
            </header>
            {Html.When(nav.Count > 0, Html.Of($"<nav class=\"menu\" aria-label=\"Main\">{nav}</nav>"))}
            <main>
              <h1>{title}</h1>
              {body}
            </main>
            <footer>InsightPulse Platform · {page.Tenant.DisplayName}</footer>
            """));
    }

    /// <summary>A page outside any tenant (status pages).</summary>
    public static Html Bare(string title, Html body) => Document(title, body);

    private static Html Document(string title, Html body) => Html.Of($"""
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

    private static Html NavLink(string href, string text, bool current) =>
        current ? Html.Of($"<a href=\"{href}\" aria-current=\"page\">{text}</a>") : Html.Of($"<a href=\"{href}\">{text}</a>");

    /// <summary>A form field with its label and, when there is one, its validation message under it.</summary>
    public static Html Field(string name, string label, string? value, IReadOnlyList<ValidationError>? errors = null,
        string type = "text", bool required = false, string? hint = null, string? extra = null)
    {
        var error = errors?.FirstOrDefault(e => e.Field == name);
        var id = "f-" + name;
        return Html.Of($"""
            <div class="field{(error is null ? "" : " invalid")}">
              <label for="{id}">{label}</label>
              <input id="{id}" name="{name}" type="{type}" value="{value}"{Html.When(required, Html.Trusted(" required"))}{Html.When(extra is not null, Html.Trusted(" " + extra))}{Html.When(error is not null, Html.Of($" aria-invalid=\"true\" aria-describedby=\"{id}-error\""))}>
              {Html.When(hint is not null && error is null, Html.Of($"<small class=\"hint\">{hint}</small>"))}
              {Html.When(error is not null, Html.Of($"<small class=\"error\" id=\"{id}-error\">{error?.Message}</small>"))}
            </div>
            """);
    }

    /// <summary>Errors that belong to no field of the form.</summary>
    public static Html FormErrors(IReadOnlyList<ValidationError>? errors, params string[] fields)
    {
        var other = errors?.Where(e => !fields.Contains(e.Field)).ToList() ?? [];
        return other.Count == 0 ? Html.Empty : Html.Of($"""<div class="alert" role="alert">{other.Select(e => Html.Of($"<p>{e.Message}</p>"))}</div>""");
    }
}
