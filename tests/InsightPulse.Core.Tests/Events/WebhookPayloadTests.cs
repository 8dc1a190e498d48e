using System.Text.Json;
using InsightPulse.Core.Events;

namespace InsightPulse.Core.Tests.Events;

public sealed class WebhookPayloadTests
{
    private static readonly SchemaEvent Event = new()
    {
        Id = 42, Uuid = Guid.Parse("6f1c7c7e-8c1e-4f55-a3c9-2b3b1f0f9a10"), Change = SchemaChanges.ScriptsApplied, TenantCode = "tbwa", Store = "schema",
        Database = "postgres", Schema = "tbwa", Scripts = ["module:ipai_finance_ppm/0003_add_po_number.sql"], Checksum = new string('a', 64),
        OccurredAt = new DateTime(2026, 12, 3, 7, 5, 9, 123, DateTimeKind.Utc), RecordedAt = new DateTime(2026, 12, 3, 7, 5, 10, DateTimeKind.Utc),
    };

    [Fact]
    public void Is_a_repository_dispatch_body_with_at_most_ten_client_payload_keys()
    {
        using var body = JsonDocument.Parse(WebhookPayload.ForEvent(Event));
        var root = body.RootElement;
        Assert.Equal(["event_type", "client_payload"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("schema_changed", root.GetProperty("event_type").GetString());
        var payload = root.GetProperty("client_payload");
        // GitHub refuses a repository_dispatch whose client_payload has more than ten top-level properties.
        Assert.True(payload.EnumerateObject().Count() <= 10, payload.ToString());
        Assert.Equal("6f1c7c7e-8c1e-4f55-a3c9-2b3b1f0f9a10", payload.GetProperty("event_id").GetString());
        Assert.Equal("scripts_applied", payload.GetProperty("change").GetString());
        Assert.Equal("tbwa", payload.GetProperty("tenant").GetString());
        Assert.Equal("schema", payload.GetProperty("store").GetString());
        Assert.Equal(["module:ipai_finance_ppm/0003_add_po_number.sql"], payload.GetProperty("scripts").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("2026-12-03T07:05:09.123000Z", payload.GetProperty("occurred_at").GetString());
    }

    [Fact]
    public void Is_the_same_bytes_every_time_so_retries_carry_the_same_signature()
    {
        Assert.Equal(WebhookPayload.ForEvent(Event), WebhookPayload.ForEvent(Event with { }));
    }

    [Fact]
    public void A_test_delivery_has_its_own_event_type()
    {
        using var body = JsonDocument.Parse(WebhookPayload.ForTest(7, new DateTime(2026, 12, 3, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal("webhook_test", body.RootElement.GetProperty("event_type").GetString());
        Assert.Equal(7, body.RootElement.GetProperty("client_payload").GetProperty("webhook_id").GetInt64());
    }
}
