namespace InsightPulse.Core.Events;

/// <summary>One row of the platform's outbox <c>ipai_schema_event</c> (times in UTC).</summary>
public sealed record SchemaEvent
{
    public long Id { get; init; }
    public Guid Uuid { get; init; }
    public string EventType { get; init; } = SchemaChanges.EventType;
    public required string Change { get; init; }
    public required string TenantCode { get; init; }
    /// <summary>"database" or "schema" for scripts applied; null for a lifecycle change.</summary>
    public string? Store { get; init; }
    public required string Database { get; init; }
    public required string Schema { get; init; }
    public string[] Scripts { get; init; } = [];
    public string[] ScopesInstalled { get; init; } = [];
    public string? Checksum { get; init; }
    public DateTime OccurredAt { get; init; }
    public DateTime RecordedAt { get; init; }
    public DateTime? DispatchedAt { get; init; }
    public string? BiRefresh { get; init; }
}
