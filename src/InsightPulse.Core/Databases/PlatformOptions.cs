using System.ComponentModel.DataAnnotations;

namespace InsightPulse.Core.Databases;

/// <summary>Names of the platform's databases and roles (configuration section <c>Platform</c>).</summary>
public sealed class PlatformOptions
{
    public const string Section = "Platform";

    /// <summary>
    /// The platform database: tenant registry, journals, BI metadata. Fixed, as in the seed: schema tenants such as
    /// scout name it as their database, and the registry's unique index on db_name exempts exactly this name.
    /// </summary>
    public const string PlatformDatabase = "odoo_platform";

    /// <summary>The shared data database (Supabase's role). With POSTGRES_URL it is the URL's database.</summary>
    [Required, RegularExpression(@"^[a-z_][a-z0-9_]*$")]
    public string DataDatabase { get; set; } = "postgres";

    /// <summary>Owner/migrator of every object. In external mode the POSTGRES_URL user takes this part.</summary>
    [Required, RegularExpression(@"^[a-z_][a-z0-9_]*$")]
    public string OwnerRole { get; set; } = "ipai_owner";

    /// <summary>Runtime role of the web host: logs in, owns nothing, never bypasses RLS.</summary>
    [Required, RegularExpression(@"^[a-z_][a-z0-9_]*$")]
    public string AppRole { get; set; } = "ipai_app";

    /// <summary>Read-only role for BI queries, also under RLS.</summary>
    [Required, RegularExpression(@"^[a-z_][a-z0-9_]*$")]
    public string BiRole { get; set; } = "ipai_bi";

    /// <summary>
    /// The platform operator's reading role: NOLOGIN, BYPASSRLS, reads all data (pg_read_all_data). The owner
    /// switches to it (SET ROLE, pg_dump --role) only to archive a tenant or read across tenants; the owner
    /// itself stays bound by FORCE'd RLS.
    /// </summary>
    [Required, RegularExpression(@"^[a-z_][a-z0-9_]*$")]
    public string OperatorRole { get; set; } = "ipai_operator";

    /// <summary>The roles that log in at run time, own nothing and never bypass RLS: <see cref="AppRole"/> and <see cref="BiRole"/>.</summary>
    public string[] RuntimeRoles() => [AppRole, BiRole];
}
