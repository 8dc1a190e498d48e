using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace InsightPulse.Web.Bi;

/// <summary>
/// The bearer token <c>POST /api/v1/security/login</c> returns, and the CSRF token bound to it
/// (<c>GET /api/v1/security/csrf_token/</c>), both opaque and protected by the host's data-protection keys: an access
/// token names its tenant and expires after <see cref="Lifetime"/>; a CSRF token is good only with the access token
/// it was issued for.
/// </summary>
public sealed class BiAccessTokens(IDataProtectionProvider provider, TimeProvider clock)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);

    private readonly ITimeLimitedDataProtector _access = provider.CreateProtector("InsightPulse.Bi.AccessToken").ToTimeLimitedDataProtector();
    private readonly ITimeLimitedDataProtector _csrf = provider.CreateProtector("InsightPulse.Bi.CsrfToken").ToTimeLimitedDataProtector();

    public string Issue(string tenantCode) => _access.Protect(tenantCode, clock.GetUtcNow() + Lifetime);

    /// <summary>The tenant an <c>Authorization: Bearer</c> header's token was issued for; null when it is missing, forged or expired.</summary>
    public string? TenantOf(string? authorization)
    {
        const string Prefix = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            return _access.Unprotect(authorization[Prefix.Length..].Trim(), out var expires) is { } code && expires > clock.GetUtcNow() ? code : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    public string CsrfFor(string authorization) => _csrf.Protect(Fingerprint(authorization), clock.GetUtcNow() + Lifetime);

    public bool CsrfMatches(string authorization, string? csrf)
    {
        if (string.IsNullOrEmpty(csrf)) return false;
        try
        {
            var bound = _csrf.Unprotect(csrf, out var expires);
            return expires > clock.GetUtcNow() && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(bound), Encoding.ASCII.GetBytes(Fingerprint(authorization)));
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static string Fingerprint(string authorization) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(authorization.Trim())));
}
