namespace InsightPulse.Core.Postgres;

/// <summary>
/// Where a set of migrations runs inside one database: the schema they create objects in (and that holds their
/// journal), the tenant whose context is set while they run, and the placeholders (<c>${app_role}</c>, …) they may use.
/// </summary>
public sealed record MigrationTarget(string Schema, string? TenantCode = null, IReadOnlyDictionary<string, string>? Placeholders = null)
{
    public static readonly MigrationTarget Public = new("public");
}
