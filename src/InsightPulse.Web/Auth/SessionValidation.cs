using InsightPulse.Core.Users;
using InsightPulse.Web.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace InsightPulse.Web.Auth;

/// <summary>
/// Checks every session cookie on every request: it must have been issued for the request's tenant (else it is
/// refused: a tbwa cookie replayed at scout is no session there), and every few minutes its user must still be
/// active in the tenant's <c>res_users</c> (a deactivated user's sessions end within that time). The cookie handler's
/// events (<c>EventsType</c>), taken from the services.
/// </summary>
public sealed class SessionValidation(TenantUserDirectory users) : CookieAuthenticationEvents
{
    public static readonly TimeSpan RecheckAfter = TimeSpan.FromMinutes(5);

    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var tenant = RequestTenant.Find(context.HttpContext);
        if (context.Principal is null || tenant is null || !SessionClaims.IssuedFor(context.Principal, tenant))
        {
            context.RejectPrincipal();
            return;
        }
        var issued = context.Properties.IssuedUtc ?? DateTimeOffset.MinValue;
        if (DateTimeOffset.UtcNow - issued < RecheckAfter) return;
        var user = SessionClaims.UserId(context.Principal) is { } id
            ? await users.FindActiveAsync(tenant, id, context.HttpContext.RequestAborted)
            : null;
        if (user is null)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(SessionClaims.Scheme);
            return;
        }
        context.ReplacePrincipal(SessionClaims.For(tenant, user));
        context.ShouldRenew = true;
    }
}
