using System.Text.Json.Serialization;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// A new tenant, as the console's form and <c>POST /api/v1/tenants</c> give it; the registry validates it. <see cref="Server"/>:
/// the fleet server for its database (unset: the least loaded one when it is first provisioned). A JSON body with any
/// other field (<c>state</c>, <c>db_name</c>…) is refused, naming it: nothing else of a tenant is set this way.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
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
    /// <summary>
    /// The registry record with its defaults (database <c>odoo_&lt;code&gt;</c>, schema <c>&lt;code&gt;</c>); blank fields
    /// are absent. Only spaces are trimmed: a line break or a control character is refused by validation, not cut off.
    /// </summary>
    public Tenant ToTenant() => Tenant.New(Code?.Trim(' ') ?? "", Name?.Trim(' ') ?? "") with
    {
        PrimaryDomain = Blank(PrimaryDomain),
        CompanyName = Blank(CompanyName),
        Industry = Blank(Industry) ?? Core.Tenants.Industry.Default,
        Country = Blank(Country) ?? "PH",
        AdminEmail = Blank(AdminEmail),
        AdminPhone = Blank(AdminPhone),
        Server = Blank(Server),
    };

    private static string? Blank(string? value) => string.IsNullOrEmpty(value?.Trim(' ')) ? null : value.Trim(' ');
}
