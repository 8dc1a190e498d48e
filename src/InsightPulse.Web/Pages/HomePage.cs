using InsightPulse.Core.Tenants;
using InsightPulse.Web.Markup;

namespace InsightPulse.Web.Pages;

/// <summary><c>/</c>: where a signed-in user lands, with what this tenant offers.</summary>
public static class HomePage
{
    public static IEndpointRouteBuilder MapHome(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (PageContext page) =>
        {
            var cards = new List<Html>();
            if (page.HasModule(Layout.FinanceModule))
            {
                cards.Add(Card("/finance/expenses", "Expense reports", "Employees' expenses by project and month, with BIR withholding per line."));
                cards.Add(Card("/finance/projects", "Projects", "Client projects with their budgets and what has been spent."));
                cards.Add(Card("/finance/agencies", "Agencies", "The tenant's BIR-registered agencies."));
            }
            cards.Add(Card("/dashboards", "Dashboards", "This tenant's BI dashboards, drawn from its own data."));
            if (page.IsAdmin) cards.Add(Card("/settings/users", "Users", "Who can sign in here, and new accounts."));
            if (page.IsAdmin && page.Tenant.Code == Tenant.PlatformCode) cards.Add(Card("/console", "Operator console", "Every tenant: state, domain, provisioning."));
            var body = Html.Of($"<div class=\"cards\">{cards}</div>");
            return HtmlResults.Page(Layout.Page(page, $"Welcome, {page.UserName}", body, "home"));
        });
        return endpoints;
    }

    private static Html Card(string href, string title, string text) =>
        Html.Of($"<a class=\"card\" href=\"{href}\"><h2>{title}</h2><p class=\"muted\">{text}</p></a>");
}
