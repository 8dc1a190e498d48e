using InsightPulse.Core.Finance;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;

namespace InsightPulse.Web.Finance;

/// <summary>
/// <c>/finance/…</c>: the <c>ipai_finance_ppm</c> module's pages (agencies, projects, expense reports and their lines).
/// A tenant without the module gets 404 on every one of them; a record of another tenant is never found (its rows are
/// hidden by row-level security in the tenant's unit of work), so it is a 404 too.
/// </summary>
public static class FinancePages
{
    public static IEndpointRouteBuilder MapFinancePages(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/finance").AddEndpointFilter<FinanceModuleFilter>();
        group.MapGet("/", () => Results.Redirect("/finance/expenses"));
        group.MapAgencyPages();
        group.MapProjectPages();
        group.MapExpenseReportPages();
        group.MapExpenseLinePages();
        return endpoints;
    }

    /// <summary>404 for a tenant without the module, and for a record this tenant cannot see.</summary>
    private sealed class FinanceModuleFilter(TenantRouteTable routes) : IEndpointFilter
    {
        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var http = context.HttpContext;
            if (!routes.HasModule(RequestTenant.Get(http).Code, Layout.FinanceModule)) return await NotFoundAsync(http);
            try
            {
                return await next(context);
            }
            catch (FinanceNotFoundException)
            {
                return await NotFoundAsync(http);
            }
        }
    }

    private static async Task<IResult> NotFoundAsync(HttpContext http)
    {
        var page = (await PageContext.BindAsync(http))!;
        var body = Html.Of($"<div class=\"card\"><p>There is nothing here.</p><p><a href=\"/\">Back to the home page</a></p></div>");
        return HtmlResults.Page(Layout.Page(page, "Not found", body), StatusCodes.Status404NotFound);
    }

    /// <summary>The status of a page re-rendered after a failed POST: 422 for invalid fields, 409 for a refused change.</summary>
    internal static int StatusFor(IReadOnlyList<ValidationError>? errors, string? alert) =>
        alert is not null ? StatusCodes.Status409Conflict : errors is not null ? StatusCodes.Status422UnprocessableEntity : StatusCodes.Status200OK;

    internal static string Form(IFormCollection form, string name) => form[name].ToString();
}
