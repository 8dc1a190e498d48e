using System.Security.Claims;
using InsightPulse.Core.Users;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;

namespace InsightPulse.Web.Auth;

/// <summary>
/// Checks every session cookie on every request: it must have been issued for the request's tenant (else it is
/// refused: a tbwa cookie replayed at scout is no session there), and its server-side session must be going
/// (<see cref="WebSessions"/>: ended by signing out, a password set, the user disabled, the tenant suspended, on any
/// node). Every <see cref="WebOptions.SessionRecheckSeconds"/> its user is read again: no longer active, or with
/// another password than at sign-in (changed behind the platform's back), the session ends. The cookie handler's
/// events (<c>EventsType</c>), taken from the services.
/// </summary>
public sealed class SessionValidation(TenantUserDirectory users, WebSessions sessions, IOptions<WebOptions> options, TimeProvider time) : CookieAuthenticationEvents
{
    public override async Task ValidatePrincipal(CookieValidatePrincipalContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var tenant = RequestTenant.Find(context.HttpContext);
        var aborted = context.HttpContext.RequestAborted;
        // Not this request's tenant (or a request no tenant serves, such as a shared asset): no session here, but the
        // cookie stays, good for its own tenant.
        if (context.Principal is null || tenant is null || !SessionClaims.IssuedFor(context.Principal, tenant))
        {
            context.RejectPrincipal();
            return;
        }
        var session = context.Principal.FindFirstValue(SessionClaims.Session);
        if (SessionClaims.UserId(context.Principal) is not { } id || !await sessions.IsGoingAsync(session, tenant.Code, id, aborted))
        {
            await RefuseAsync(context);
            return;
        }
        var issued = context.Properties.IssuedUtc ?? DateTimeOffset.MinValue;
        if (time.GetUtcNow() - issued < TimeSpan.FromSeconds(options.Value.SessionRecheckSeconds)) return;
        var user = await users.FindActiveAsync(tenant, id, aborted);
        if (user is null || user.Stamp != context.Principal.FindFirstValue(SessionClaims.Stamp))
        {
            await sessions.EndAsync(session!, SessionEnd.UserChanged, aborted);
            await RefuseAsync(context);
            return;
        }
        await sessions.SeenAsync(session!, aborted);
        context.ReplacePrincipal(SessionClaims.For(tenant, user, session!));
        context.ShouldRenew = true;
    }

    /// <summary>
    /// A page asked for without a session sends the browser to sign in; a form posted or an API called without one (a
    /// cookie forged, replayed after sign-out, or brought from another tenant's host) is refused with 401: nothing to
    /// follow, nothing done.
    /// </summary>
    public override Task RedirectToLogin(RedirectContext<CookieAuthenticationOptions> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return IsNavigation(context.Request)
            ? base.RedirectToLogin(context)
            : StatusPages.Write(context.HttpContext, StatusCodes.Status401Unauthorized, "Not signed in",
                "This needs a session on this site, and the request has none that is valid here: sign in, then try again.");
    }

    /// <summary>The same for a signed-in user without the right: a page redirects to the notice, anything else gets 403.</summary>
    public override Task RedirectToAccessDenied(RedirectContext<CookieAuthenticationOptions> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return IsNavigation(context.Request)
            ? base.RedirectToAccessDenied(context)
            : StatusPages.Write(context.HttpContext, StatusCodes.Status403Forbidden, "Not allowed", "Your account may not do this.");
    }

    private static bool IsNavigation(HttpRequest request) => (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) && !StatusPages.IsApi(request);

    /// <summary>The session has ended: refused, and its cookie deleted.</summary>
    private static async Task RefuseAsync(CookieValidatePrincipalContext context)
    {
        context.RejectPrincipal();
        await context.HttpContext.SignOutAsync(SessionClaims.Scheme);
    }
}
