namespace InsightPulse.Core.Audit;

/// <summary>
/// One action to record: who, what, on which tenant (its code; null when the action names none), and small facts about
/// it (<paramref name="Detail"/>: an object serialized with snake_case keys, e.g. <c>new { Fields = … }</c>) that never
/// hold a secret; <see cref="AuditLog"/> drops any key that names one all the same.
/// </summary>
public sealed record AuditEvent(AuditActor Actor, string Action, string? TenantCode, object? Detail = null);
