namespace InsightPulse.Core.Users;

/// <summary>A user of a tenant (a row of the tenant database's <c>res_users</c>), without its password hash.</summary>
public sealed record TenantUser(long Id, string Login, string Name, string? Email, bool Active, bool IsAdmin, DateTime? LastLogin);
