using System.Globalization;
using System.Text.Json;

namespace InsightPulse.Core.Events;

/// <summary>
/// The body of a delivery: GitHub's <c>repository_dispatch</c> shape, <c>{"event_type": …, "client_payload": {…}}</c>,
/// so that a repository's workflow (<c>on: repository_dispatch: types: [schema_changed]</c>) can be the receiver.
/// GitHub accepts at most ten top-level keys in <c>client_payload</c>; an event has exactly ten.
/// </summary>
public static class WebhookPayload
{
    /// <summary>The event type of <c>webhook test</c>'s delivery (a receiver filtering on schema_changed ignores it).</summary>
    public const string TestEventType = "webhook_test";

    public static string ForEvent(SchemaEvent schemaEvent)
    {
        ArgumentNullException.ThrowIfNull(schemaEvent);
        return JsonSerializer.Serialize(new
        {
            event_type = schemaEvent.EventType,
            client_payload = new
            {
                event_id = schemaEvent.Uuid,
                change = schemaEvent.Change,
                tenant = schemaEvent.TenantCode,
                store = schemaEvent.Store,
                database = schemaEvent.Database,
                schema = schemaEvent.Schema,
                scripts = schemaEvent.Scripts,
                installed = schemaEvent.ScopesInstalled,
                checksum = schemaEvent.Checksum,
                occurred_at = Timestamp(schemaEvent.OccurredAt),
            },
        });
    }

    public static string ForTest(long webhookId, DateTime sentAt) =>
        JsonSerializer.Serialize(new { event_type = TestEventType, client_payload = new { webhook_id = webhookId, sent_at = Timestamp(sentAt) } });

    private static string Timestamp(DateTime utc) =>
        DateTime.SpecifyKind(utc, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
