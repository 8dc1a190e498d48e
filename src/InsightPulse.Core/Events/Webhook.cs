namespace InsightPulse.Core.Events;

/// <summary>One row of <c>ipai_webhook</c> (times in UTC); the secrets are names, never values.</summary>
public sealed record Webhook
{
    public const string Active = "active";
    public const string Paused = "paused";

    public long Id { get; init; }
    public required string Url { get; init; }
    public string[] Events { get; init; } = [];
    public required string SecretEnv { get; init; }
    public string? TokenEnv { get; init; }
    public required string State { get; init; }
    public string? PausedReason { get; init; }
    public int PauseAfter { get; init; }
    public int ConsecutiveFailures { get; init; }
    public DateTime CreatedAt { get; init; }
}

/// <summary>One delivery of an event (or of <c>webhook test</c>) to a webhook, with its attempts.</summary>
public sealed record WebhookDelivery(
    Guid Id,
    long WebhookId,
    long? EventId,
    string EventType,
    string State,
    int Attempts,
    DateTime NextAttemptAt,
    int? LastStatus,
    string? LastError,
    DateTime CreatedAt,
    DateTime? FinishedAt)
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    public IReadOnlyList<WebhookAttempt> AttemptLog { get; init; } = [];
}

/// <summary>One attempt of a delivery: the HTTP status, or the error when none came back.</summary>
public sealed record WebhookAttempt(Guid DeliveryId, int Attempt, DateTime StartedAt, int DurationMs, int? Status, string? Error);
