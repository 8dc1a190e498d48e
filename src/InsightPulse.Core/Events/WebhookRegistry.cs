using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Events;

/// <summary>The webhooks (<c>ipai_webhook</c>): add, list, remove, pause, resume, and their delivery log.</summary>
public sealed class WebhookRegistry(PlatformDatabases databases, WebhookSecrets secrets)
{
    private const string Columns = """
        id, url, events, secret_env AS SecretEnv, token_env AS TokenEnv, state, paused_reason AS PausedReason,
        pause_after AS PauseAfter, consecutive_failures AS ConsecutiveFailures, created_at AS CreatedAt
        """;

    internal const string DeliveryColumns = """
        id, webhook_id AS WebhookId, event_id AS EventId, event_type AS EventType, state, attempts,
        next_attempt_at AS NextAttemptAt, last_status AS LastStatus, last_error AS LastError, created_at AS CreatedAt, finished_at AS FinishedAt
        """;

    /// <summary>The longest webhook URL accepted.</summary>
    public const int MaxUrlLength = 2000;

    /// <summary>The event types a webhook may subscribe to.</summary>
    public static readonly IReadOnlyList<string> EventTypes = [SchemaChanges.EventType];

    /// <summary>
    /// Adds a webhook; its secret (and bearer token) must be set in this process's environment, and are kept in the
    /// secrets folder for the delivering web host. Only events recorded from now on are delivered to it.
    /// </summary>
    public async Task<Webhook> AddAsync(string url, IReadOnlyList<string> events, string secretEnv, string? tokenEnv, int pauseAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(events);
        // Everything is checked before anything is kept: a refused webhook leaves neither a row nor a secret file behind.
        if (url.Length > MaxUrlLength || url.Any(char.IsWhiteSpace) || TextRules.Problem(url) is not null
            || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0 || uri.Host.Length == 0)
        {
            throw new InvalidInputException($"url: '{Sql.Printable(url, 100)}' is not a webhook URL: an absolute http(s) URL of at most {MaxUrlLength} characters, without spaces, control characters or credentials (the bearer token comes from --token-env).");
        }
        if (events.Count == 0 || events.Any(e => !EventTypes.Contains(e)))
        {
            throw new InvalidInputException($"--events: unknown event type in '{Sql.Printable(string.Join(",", events), 100)}': webhooks can subscribe to {string.Join(", ", EventTypes)}.");
        }
        if (pauseAfter is < 1 or > 1000) throw new InvalidInputException($"--pause-after: {pauseAfter} is out of range: 1 to 1000 failed attempts in a row.");
        var secret = secrets.FromEnvironment("--secret-env", secretEnv);
        var token = tokenEnv is null ? null : secrets.FromEnvironment("--token-env", tokenEnv);
        Webhook added;
        await using (var connection = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            added = await connection.QuerySingleAsync<Webhook>(new CommandDefinition($"""
                INSERT INTO ipai_webhook (url, events, secret_env, token_env, pause_after) VALUES (@url, @events, @secretEnv, @tokenEnv, @pauseAfter)
                RETURNING {Columns}
                """, new { url = uri.OriginalString, events = events.Distinct(StringComparer.Ordinal).ToArray(), secretEnv, tokenEnv, pauseAfter },
                cancellationToken: cancellationToken));
        }
        secrets.Save(secretEnv, secret);
        if (tokenEnv is not null) secrets.Save(tokenEnv, token!);
        return added;
    }

    public async Task<IReadOnlyList<Webhook>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<Webhook>(new CommandDefinition($"SELECT {Columns} FROM ipai_webhook ORDER BY id", cancellationToken: cancellationToken))).ToList();
    }

    public async Task<Webhook> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<Webhook>(new CommandDefinition(
                $"SELECT {Columns} FROM ipai_webhook WHERE id = @id", new { id }, cancellationToken: cancellationToken))
            ?? throw NotFound(id);
    }

    /// <summary>Removes the webhook and its delivery log (pending deliveries are not sent).</summary>
    public async Task RemoveAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        if (await connection.ExecuteAsync(new CommandDefinition("DELETE FROM ipai_webhook WHERE id = @id", new { id }, cancellationToken: cancellationToken)) == 0)
        {
            throw NotFound(id);
        }
    }

    /// <summary>Pauses deliveries to the webhook (they wait, pending, until it is resumed).</summary>
    public Task<Webhook> PauseAsync(long id, string reason, CancellationToken cancellationToken) =>
        SetStateAsync(id, "UPDATE ipai_webhook SET state = 'paused', paused_reason = @reason, changed_at = now() WHERE id = @id", new { id, reason }, cancellationToken);

    /// <summary>Resumes the webhook: its failure count starts again, and its pending deliveries go out at once.</summary>
    public Task<Webhook> ResumeAsync(long id, CancellationToken cancellationToken) =>
        SetStateAsync(id, """
            UPDATE ipai_webhook SET state = 'active', paused_reason = NULL, consecutive_failures = 0, changed_at = now() WHERE id = @id;
            UPDATE ipai_webhook_delivery SET next_attempt_at = now() WHERE webhook_id = @id AND state = 'pending';
            """, new { id }, cancellationToken);

    /// <summary>The newest deliveries of a webhook first, each with its attempts.</summary>
    public async Task<IReadOnlyList<WebhookDelivery>> DeliveriesAsync(long id, int limit, CancellationToken cancellationToken)
    {
        await GetAsync(id, cancellationToken);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var deliveries = (await connection.QueryAsync<WebhookDelivery>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM ipai_webhook_delivery WHERE webhook_id = @id ORDER BY created_at DESC, id LIMIT @limit",
            new { id, limit }, cancellationToken: cancellationToken))).ToList();
        var attempts = (await connection.QueryAsync<WebhookAttempt>(new CommandDefinition("""
            SELECT delivery_id AS DeliveryId, attempt, started_at AS StartedAt, duration_ms AS DurationMs, status, error
            FROM ipai_webhook_attempt WHERE delivery_id = ANY(@ids) ORDER BY delivery_id, attempt
            """, new { ids = deliveries.Select(d => d.Id).ToArray() }, cancellationToken: cancellationToken))).ToLookup(a => a.DeliveryId);
        return deliveries.Select(d => d with { AttemptLog = attempts[d.Id].ToList() }).ToList();
    }

    private async Task<Webhook> SetStateAsync(long id, string sql, object parameters, CancellationToken cancellationToken)
    {
        await using (var connection = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            if (await connection.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken)) == 0) throw NotFound(id);
        }
        return await GetAsync(id, cancellationToken);
    }

    private static WebhookException NotFound(long id) =>
        new($"There is no webhook {id}.", "`./ipai webhook list` shows the webhooks and their ids.");
}
