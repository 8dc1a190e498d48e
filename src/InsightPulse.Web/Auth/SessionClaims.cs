using System.Globalization;
using System.Security.Claims;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;

namespace InsightPulse.Web.Auth;

/// <summary>
/// What a session cookie says: the user, the tenant it was issued for (code and registry id), the server-side session
/// it belongs to (<see cref="Session"/>, a <c>WebSessions</c> id) and the user's password stamp at sign-in. A cookie is
/// only good for that tenant and while its session is going: <see cref="SessionValidation"/> refuses it otherwise,
/// even when copied across hosts.
/// </summary>
public static class SessionClaims
{
    public const string Scheme = "ipai";
    public const string CookieName = "ipai_session";
    public const string TenantCode = "ipai:tenant";
    public const string TenantId = "ipai:tenant_id";
    public const string Login = "ipai:login";
    public const string Session = "ipai:session";
    public const string Stamp = "ipai:stamp";
    public const string AdminRole = "admin";

    public static ClaimsPrincipal For(Tenant tenant, TenantUser user, string session)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(user);
        ArgumentException.ThrowIfNullOrEmpty(session);
        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, user.Id.ToString(CultureInfo.InvariantCulture)),
            new(ClaimTypes.Name, user.Name),
            new(Login, user.Login),
            new(TenantCode, tenant.Code),
            new(TenantId, tenant.Id.ToString(CultureInfo.InvariantCulture)),
            new(Session, session),
            new(Stamp, user.Stamp),
        };
        if (user.IsAdmin) claims.Add(new Claim(ClaimTypes.Role, AdminRole));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, Scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>Whether <paramref name="principal"/> was issued for <paramref name="tenant"/> (same code and same registry row).</summary>
    public static bool IssuedFor(ClaimsPrincipal principal, Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(principal);
        ArgumentNullException.ThrowIfNull(tenant);
        return principal.FindFirstValue(TenantCode) == tenant.Code
            && principal.FindFirstValue(TenantId) == tenant.Id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Who a signed-in user is in the audit trail: <c>web:&lt;tenant&gt;/&lt;login&gt;</c> (the tenant and login the cookie was issued for).</summary>
    public static AuditActor Actor(ClaimsPrincipal principal)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return AuditActor.WebUser(principal.FindFirstValue(TenantCode) ?? "?", principal.FindFirstValue(Login) ?? "?");
    }

    public static long? UserId(ClaimsPrincipal principal) =>
        long.TryParse(principal?.FindFirstValue(ClaimTypes.NameIdentifier), NumberStyles.None, CultureInfo.InvariantCulture, out var id) ? id : null;
}
