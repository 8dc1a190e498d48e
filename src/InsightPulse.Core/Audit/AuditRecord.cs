using System.Text.Json;

namespace InsightPulse.Core.Audit;

/// <summary>One row of <c>ipai_audit</c> as <c>./ipai audit</c> reads it (<paramref name="At"/> in UTC).</summary>
public sealed record AuditRecord(long Id, DateTime At, string Actor, string? TenantCode, string Action, AuditOutcome Outcome, JsonElement Detail);
