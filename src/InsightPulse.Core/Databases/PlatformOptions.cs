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

    /// <summary>
    /// The shared data database (Supabase's role). At home: with POSTGRES_URL the URL's database, in managed mode
    /// this (default <c>postgres</c>). On a server of its own (<see cref="DataServer"/>): this (default <see cref="DefaultRemoteDataDatabase"/>),
    /// a database the platform's owner creates there.
    /// </summary>
    [RegularExpression(@"^[a-z_][a-z0-9_]*$")]
    public string? DataDatabase { get; set; }

    /// <summary>
    /// The fleet server (<c>ipai_server</c>) the shared data database lives on: <c>home</c> (the default, the
    /// platform's own server) or a server added with <c>server add</c>, where <c>up</c> creates it.
    /// </summary>
    [Required, RegularExpression("^[a-z][a-z0-9_]{0,30}$")]
    public string DataServer { get; set; } = FleetServer.Home;

    /// <summary>The shared data database's name on a server of its own when none is configured.</summary>
    public const string DefaultRemoteDataDatabase = "ipai_data";

    /// <summary>The shared data database's name when none is configured: <c>postgres</c> at home, <see cref="DefaultRemoteDataDatabase"/> elsewhere.</summary>
    public string DataDatabaseOr(string homeDatabase) => DataDatabase ?? (DataServer == FleetServer.Home ? homeDatabase : DefaultRemoteDataDatabase);

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
