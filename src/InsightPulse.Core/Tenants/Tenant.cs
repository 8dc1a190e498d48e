using System.Text.Json.Serialization;

namespace InsightPulse.Core.Tenants;

/// <summary>One row of the tenant registry (<c>ipai_tenant</c>). Property names map to the columns in snake_case.</summary>
public sealed record Tenant
{
    public const string PlatformCode = "platform";
    public const string DatabasePrefix = "odoo_";

    /// <summary>Internal id, distinct from the code; 0 until stored.</summary>
    public long Id { get; init; }
    public required string Code { get; init; }
    public required string Name { get; init; }
    public int Sequence { get; init; } = 10;
    public bool Active { get; init; } = true;
    public TenantState State { get; init; } = TenantState.Draft;
    public required string DbName { get; init; }
    public required string SupabaseSchema { get; init; }
    public string? PrimaryDomain { get; init; }
    public string? SupersetWorkspace { get; init; }
    public string? SupersetBaseUrl { get; init; }
    public string? CompanyName { get; init; }
    public string Industry { get; init; } = Tenants.Industry.Default;
    public string Country { get; init; } = "PH";
    public string? AdminEmail { get; init; }
    public string? AdminPhone { get; init; }
    public DateOnly OnboardedDate { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow);
    public string? Notes { get; init; }
    public DateTimeOffset CreateDate { get; init; }
    public DateTimeOffset WriteDate { get; init; }

    /// <summary>
    /// The fleet server its own database lives on (<c>ipai_server</c>); null for a draft not placed yet, which its first
    /// provisioning run places (<see cref="DatabaseServer"/>).
    /// </summary>
    public string? Server { get; init; }

    /// <summary>A new tenant with the defaults: database <c>odoo_&lt;code&gt;</c>, schema and workspace <c>&lt;code&gt;</c>.</summary>
    public static Tenant New(string code, string name) => new()
    {
        Code = code,
        Name = name,
        DbName = DatabasePrefix + code,
        SupabaseSchema = code,
        SupersetWorkspace = code,
    };

    /// <summary>
    /// The server its database is on: <see cref="Server"/>, or home when null (a draft not placed yet, where nothing of it
    /// exists yet; a row written by hand, as the seed's SQL does, lives at home).
    /// </summary>
    [JsonIgnore]
    public string DatabaseServer => Server ?? Databases.FleetServer.Home;

    /// <summary>Shown as <c>[code] name</c>, as the seed's add-on did.</summary>
    [JsonIgnore]
    public string DisplayName => $"[{Code}] {Name}";
}
