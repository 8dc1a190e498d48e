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
            nav.Add(NavLink("/dashboards", "Dashboards", section == "dashboards"));
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
        return HtmlDocument.Page($"{title} · {page.Tenant.Name}", Html.Of($"""
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

    private static Html NavLink(string href, string text, bool current) =>
        current ? Html.Of($"<a href=\"{href}\" aria-current=\"page\">{text}</a>") : Html.Of($"<a href=\"{href}\">{text}</a>");
}
