namespace InsightPulse.Core.Events;

/// <summary>One row of the platform's outbox <c>ipai_schema_event</c> (times in UTC).</summary>
public sealed record SchemaEvent(
    long Id,
    Guid Uuid,
    string EventType,
    string Change,
    string TenantCode,
    string? Store,
    string Database,
    string Schema,
    string[] Scripts,
    string[] ScopesInstalled,
    string? Checksum,
    DateTime OccurredAt,
    DateTime RecordedAt,
    DateTime? DispatchedAt,
    string? BiRefresh);
