using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// A new tenant, as the console's form and <c>POST /api/v1/tenants</c> give it; the registry validates it. <see cref="Server"/>:
/// the fleet server for its database (unset: the least loaded one when it is first provisioned).
/// </summary>
public sealed record CreateTenantRequest(
    string? Code,
    string? Name,
    string? PrimaryDomain = null,
    string? CompanyName = null,
    string? Industry = null,
    string? Country = null,
    string? AdminEmail = null,
    string? AdminPhone = null,
    string? Server = null)
{
    /// <summary>The registry record with its defaults (database <c>odoo_&lt;code&gt;</c>, schema <c>&lt;code&gt;</c>); blank fields are absent.</summary>
    public Tenant ToTenant() => Tenant.New(Code?.Trim() ?? "", Name?.Trim() ?? "") with
    {
        PrimaryDomain = Blank(PrimaryDomain),
        CompanyName = Blank(CompanyName),
        Industry = Blank(Industry) ?? Core.Tenants.Industry.Default,
        Country = Blank(Country) ?? "PH",
        AdminEmail = Blank(AdminEmail),
        AdminPhone = Blank(AdminPhone),
        Server = Blank(Server),
    };

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
