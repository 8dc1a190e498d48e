using Dapper;
using InsightPulse.Core.Databases;
using Microsoft.Extensions.Options;
using Npgsql;

namespace InsightPulse.Core.Events;

/// <summary>
/// Deliveries of events to webhooks: enqueued by the dispatcher in the transaction that marks an event dispatched
/// (one per subscribed webhook, at most one per event and webhook), then sent when due: every attempt is logged, a
/// failure is retried with exponential backoff and jitter until <see cref="EventOptions.MaxAttempts"/>, and a webhook
/// whose attempts fail <c>pause_after</c> times in a row is paused with the reason. Webhooks are served side by side,
/// each in its own order, so a slow or failing endpoint holds up none of the others.
/// </summary>
public sealed class WebhookDeliveries(PlatformDatabases databases, WebhookSecrets secrets, WebhookSender sender, IOptions<EventOptions> options)
{
    private EventOptions Options => options.Value;

    /// <summary>
    /// Enqueues the event for every webhook subscribed to its type that existed when the event was recorded (a webhook
    /// gets the events from its creation on), in the caller's transaction; returns how many.
    /// </summary>
    public static Task<int> EnqueueAsync(NpgsqlConnection platform, NpgsqlTransaction transaction, SchemaEvent schemaEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(platform);
        ArgumentNullException.ThrowIfNull(schemaEvent);
        return platform.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_webhook_delivery (webhook_id, event_id, event_type, body)
            SELECT id, @eventId, @eventType, @body FROM ipai_webhook WHERE @eventType = ANY(events) AND created_at <= @recordedAt
            ON CONFLICT (webhook_id, event_id) DO NOTHING
            """, new { eventId = schemaEvent.Id, eventType = schemaEvent.EventType, body = WebhookPayload.ForEvent(schemaEvent), recordedAt = schemaEvent.RecordedAt },
            transaction, cancellationToken: cancellationToken));
    }

    /// <summary>Sends every event's delivery that is due to an active webhook (a test delivery is sent by its caller); returns the attempts made.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        List<Due> due;
        await using (var connection = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            due = (await connection.QueryAsync<Due>(new CommandDefinition("""
                SELECT d.id, d.webhook_id AS WebhookId, d.event_type AS EventType, d.body, d.attempts, w.url, w.secret_env AS SecretEnv, w.token_env AS TokenEnv
                FROM ipai_webhook_delivery d JOIN ipai_webhook w ON w.id = d.webhook_id
                WHERE d.state = 'pending' AND d.next_attempt_at <= now() AND w.state = 'active' AND d.event_id IS NOT NULL
                ORDER BY d.webhook_id, d.created_at, d.id
                LIMIT 500
                """, cancellationToken: cancellationToken))).ToList();
        }
        var attempts = await Task.WhenAll(due.GroupBy(d => d.WebhookId).Select(async deliveries =>
        {
            var made = 0;
            foreach (var delivery in deliveries)
            {
                made++;
                var (_, paused) = await AttemptAsync(delivery, final: false, countsForWebhook: true, cancellationToken);
                if (paused) break;
            }
            return made;
        }));
        return attempts.Sum();
    }

    /// <summary>When the next pending delivery of an active webhook is due (null: none is pending).</summary>
    public async Task<DateTime?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<DateTime?>(new CommandDefinition("""
            SELECT min(d.next_attempt_at) FROM ipai_webhook_delivery d JOIN ipai_webhook w ON w.id = d.webhook_id
            WHERE d.state = 'pending' AND w.state = 'active' AND d.event_id IS NOT NULL
            """, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// <c>webhook test</c>: one signed delivery of event type <c>webhook_test</c>, sent now, logged like any other;
    /// it neither retries nor counts towards pausing the webhook.
    /// </summary>
    public async Task<(WebhookDelivery Delivery, WebhookAttemptOutcome Outcome)> TestAsync(Webhook webhook, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var body = WebhookPayload.ForTest(webhook.Id, DateTime.UtcNow);
        Guid id;
        await using (var connection = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            id = await connection.ExecuteScalarAsync<Guid>(new CommandDefinition(
                "INSERT INTO ipai_webhook_delivery (webhook_id, event_type, body) VALUES (@webhook, @type, @body) RETURNING id",
                new { webhook = webhook.Id, type = WebhookPayload.TestEventType, body }, cancellationToken: cancellationToken));
        }
        var (outcome, _) = await AttemptAsync(new Due(id, webhook.Id, WebhookPayload.TestEventType, body, 0, webhook.Url, webhook.SecretEnv, webhook.TokenEnv),
            final: true, countsForWebhook: false, cancellationToken);
        await using (var connection = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            var delivery = await connection.QuerySingleAsync<WebhookDelivery>(new CommandDefinition(
                $"SELECT {WebhookRegistry.DeliveryColumns} FROM ipai_webhook_delivery WHERE id = @id", new { id }, cancellationToken: cancellationToken));
            return (delivery, outcome);
        }
    }

    private sealed record Due(Guid Id, long WebhookId, string EventType, string Body, int Attempts, string Url, string SecretEnv, string? TokenEnv);

    /// <summary>One attempt, logged; returns its outcome and whether the webhook is paused now.</summary>
    private async Task<(WebhookAttemptOutcome Outcome, bool Paused)> AttemptAsync(Due delivery, bool final, bool countsForWebhook, CancellationToken cancellationToken)
    {
        var startedAt = DateTime.UtcNow;
        var secret = secrets.Read(delivery.SecretEnv);
        var bearer = delivery.TokenEnv is null ? secret : secrets.Read(delivery.TokenEnv);
        var outcome = secret is null || bearer is null
            ? new WebhookAttemptOutcome(null,
                $"secret {(secret is null ? delivery.SecretEnv : delivery.TokenEnv)} is not set in the web host's environment nor in .ipai/secrets: " +
                "set it there, or remove the webhook and add it again from a shell where it is set", TimeSpan.Zero, null)
            : await sender.SendAsync(delivery.Url, delivery.Id, delivery.EventType, delivery.Body, secret, bearer, TimeSpan.FromSeconds(Options.TimeoutSeconds), cancellationToken);

        var attempt = delivery.Attempts + 1;
        var givenUp = !outcome.Succeeded && (final || attempt >= Options.MaxAttempts);
        var retryIn = outcome.Succeeded || givenUp
            ? TimeSpan.Zero
            : WebhookBackoff.Delay(attempt, Options.RetryBaseSeconds, Options.RetryMaxSeconds, outcome.RetryAfter, Random.Shared.NextDouble());
        await using var connection = await databases.Platform.OpenConnectionAsync(CancellationToken.None);
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_webhook_attempt (delivery_id, attempt, started_at, duration_ms, status, error)
            VALUES (@id, @attempt, @startedAt, @durationMs, @status, @error);
            UPDATE ipai_webhook_delivery SET attempts = @attempt, last_status = @status, last_error = @error,
                state = CASE WHEN @succeeded THEN 'succeeded' WHEN @givenUp THEN 'failed' ELSE 'pending' END,
                finished_at = CASE WHEN @succeeded OR @givenUp THEN now() END,
                next_attempt_at = now() + make_interval(secs => @retrySeconds)
            WHERE id = @id;
            """, new
        {
            id = delivery.Id, attempt, startedAt, durationMs = (int)outcome.Duration.TotalMilliseconds, status = outcome.Status,
            error = outcome.Succeeded ? null : outcome.Describe(), succeeded = outcome.Succeeded, givenUp, retrySeconds = retryIn.TotalSeconds,
        }, transaction));
        var paused = false;
        if (countsForWebhook)
        {
            paused = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
                UPDATE ipai_webhook SET
                    consecutive_failures = CASE WHEN @succeeded THEN 0 ELSE consecutive_failures + 1 END,
                    state = CASE WHEN NOT @succeeded AND consecutive_failures + 1 >= pause_after THEN 'paused' ELSE state END,
                    paused_reason = CASE WHEN NOT @succeeded AND consecutive_failures + 1 >= pause_after
                        THEN format('paused after %s failed attempts in a row (the last: %s); fix the receiver, then `./ipai webhook resume %s`', consecutive_failures + 1, @error::text, id)
                        ELSE paused_reason END,
                    changed_at = CASE WHEN NOT @succeeded AND consecutive_failures + 1 >= pause_after THEN now() ELSE changed_at END
                WHERE id = @webhook
                RETURNING state = 'paused'
                """, new { webhook = delivery.WebhookId, succeeded = outcome.Succeeded, error = outcome.Describe() }, transaction));
        }
        await transaction.CommitAsync(CancellationToken.None);
        return (outcome, paused);
    }
}
