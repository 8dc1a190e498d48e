using System.Security.Claims;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using Microsoft.AspNetCore.Antiforgery;

namespace InsightPulse.Web.Pages;

/// <summary>What every page of a tenant needs: the request, its tenant, the signed-in user and the form token.</summary>
public sealed class PageContext(HttpContext http, IAntiforgery antiforgery, TenantRouteTable routes)
{
    /// <summary>Minimal APIs bind a handler's <see cref="PageContext"/> parameter with this.</summary>
    public static ValueTask<PageContext?> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult<PageContext?>(new PageContext(context,
            context.RequestServices.GetRequiredService<IAntiforgery>(), context.RequestServices.GetRequiredService<TenantRouteTable>()));
    }

    public HttpContext Http { get; } = http;
    public Tenant Tenant { get; } = RequestTenant.Get(http);
    public ClaimsPrincipal User => Http.User;
    public bool SignedIn => User.Identity?.IsAuthenticated == true;
    public bool IsAdmin => User.IsInRole(SessionClaims.AdminRole);
    public string UserName => User.FindFirstValue(ClaimTypes.Name) ?? "";

    /// <summary>The host the user sees in the address bar (the tenant's domain as served).</summary>
    public string Host => Http.Request.Host.Host;

    public bool HasModule(string module) => routes.HasModule(Tenant.Code, module);

    /// <summary>The antiforgery field every form carries.</summary>
    public Html FormToken()
    {
        var tokens = antiforgery.GetAndStoreTokens(Http);
        return Html.Of($"<input type=\"hidden\" name=\"{tokens.FormFieldName}\" value=\"{tokens.RequestToken}\">");
    }
}
