namespace InsightPulse.Core.Users;

/// <summary>
/// A user of a tenant (a row of the tenant database's <c>res_users</c>), without its password hash. <see cref="Stamp"/>
/// is a short fingerprint of that hash: a session remembers it, and a recheck that finds another ends the session.
/// </summary>
public sealed record TenantUser(long Id, string Login, string Name, string? Email, bool Active, bool IsAdmin, DateTime? LastLogin, string Stamp);
