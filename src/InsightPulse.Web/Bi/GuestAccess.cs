using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Bi;

/// <summary>
/// What a guest token grants on this host: the dashboards of the host's tenant that its resources name (by id, slug,
/// uuid or embedded uuid). Checked on every data path; a token for another tenant's dashboard grants nothing here.
/// </summary>
public sealed class GuestAccess(GuestTokens tokens, BiMetadata metadata)
{
    /// <summary>The validated claims of the request's token; a <see cref="GuestTokenException"/> (401) when it has none that pass.</summary>
    public GuestTokenClaims Claims(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return tokens.Validate(request.Headers[tokens.HeaderName].ToString());
    }

    /// <summary>The dashboard <paramref name="idOrSlug"/> of the host's tenant when the token names it; null (403 or 404) otherwise.</summary>
    public async Task<WorkspaceDashboard?> DashboardAsync(Tenant tenant, GuestTokenClaims claims, string idOrSlug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var dashboard = await metadata.DashboardAsync(tenant.Code, idOrSlug, cancellationToken);
        return dashboard is not null && Grants(claims, dashboard) ? dashboard : null;
    }

    /// <summary>Whether a resource of the token is this dashboard.</summary>
    public static bool Grants(GuestTokenClaims claims, WorkspaceDashboard dashboard)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(dashboard);
        return claims.Resources.Any(r => r.Type == GuestTokenResource.DashboardType && Names(dashboard, r.Id));
    }

    private static bool Names(WorkspaceDashboard dashboard, string id) =>
        id == dashboard.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) || id == dashboard.Slug
        || (Guid.TryParse(id, out var uuid) && (uuid == dashboard.Uuid || (dashboard.Embedded && uuid == dashboard.EmbeddedUuid)));
}
