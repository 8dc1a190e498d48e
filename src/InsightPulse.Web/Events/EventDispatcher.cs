using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Events;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using Microsoft.Extensions.Options;
using Npgsql;

namespace InsightPulse.Web.Events;

/// <summary>
/// Delivers <c>schema_changed</c> events, on exactly one web node of the fleet at a time: the node holding the
/// session advisory lock <see cref="LeaderLock"/> on a connection of its own (a node that dies or loses its
/// connection releases it with its session; a stand-by node takes over within <see cref="EventOptions.PollSeconds"/>).
/// The leader, woken by <c>NOTIFY ipai_schema_event</c> or by its poll:
/// <list type="number">
/// <item>relays the outboxes of stores a killed run left marked (under the tenant's provisioning lock);</item>
/// <item>dispatches each new event: refreshes the tenant's BI datasets (charts whose column vanished are marked
/// broken, and healed when it returns), then, in one transaction, enqueues a delivery per subscribed webhook and
/// marks the event dispatched;</item>
/// <item>sends the deliveries that are due.</item>
/// </list>
/// </summary>
public sealed partial class EventDispatcher(
    PlatformDatabases databases,
    SchemaEventOutbox outbox,
    DatasetRefresh datasets,
    WebhookDeliveries deliveries,
    IOptions<EventOptions> options,
    ILogger<EventDispatcher> logger) : BackgroundService
{
    /// <summary>The advisory lock whose holder is the fleet's dispatcher.</summary>
    public const string LeaderLock = "ipai:event_dispatcher";

    /// <summary>The channel the platform's outbox announces new events on (trigger ipai_schema_event_notify).</summary>
    public const string Channel = "ipai_schema_event";

    private volatile bool _leading;

    /// <summary>Whether this node is the fleet's dispatcher now.</summary>
    public bool IsLeader => _leading;

    private TimeSpan Poll => TimeSpan.FromSeconds(options.Value.PollSeconds);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Dispatcher) return;
        if (!databases.Environment.HasSession)
        {
            // Leadership is a session advisory lock and wake-ups a LISTEN: neither survives a transaction-mode pooler.
            // The events wait in the outbox (nothing is lost) for a node that has the direct URL.
            Log.NoSession(logger);
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                // One session for the life of this node's part: a stand-by asks for the lock on it at every poll.
                await using var session = await databases.OpenSessionAsync("ipai events", stoppingToken);
                while (true)
                {
                    await using var leadership = await AdvisoryLock.TryAcquireAsync(session, LeaderLock, stoppingToken);
                    if (leadership is not null)
                    {
                        _leading = true;
                        Log.Leading(logger);
                        await LeadAsync(session, stoppingToken);
                    }
                    await Task.Delay(Poll, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or IOException)
            {
                if (_leading) Log.LeadershipLost(logger, e.Message);
                else Log.StandbyFailed(logger, e.Message);
                _leading = false;
                await Task.Delay(Poll, stoppingToken);
            }
            finally
            {
                _leading = false;
            }
        }
    }

    /// <summary>One pass of the leader's work; the tests call it to step the dispatcher.</summary>
    public async Task RunOnceAsync(NpgsqlConnection session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        foreach (var store in await outbox.MarkedAsync(cancellationToken))
        {
            // A running provisioning run relays its stores itself: skip them until it is over.
            await using var tenantLock = await AdvisoryLock.TryAcquireAsync(session, TenantProvisioner.LockKey(store.TenantCode), cancellationToken);
            if (tenantLock is null) continue;
            try
            {
                if (await outbox.RelayAsync(store, unmark: true, cancellationToken) is { } relayed) Log.Relayed(logger, relayed.Id, store.TenantCode, store.Store);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && session.FullState == System.Data.ConnectionState.Open)
            {
                // That store does not answer now (its database down): the mark stays, the others go on.
                Log.RelayFailed(logger, store.TenantCode, store.Store, e.Message);
            }
        }
        foreach (var schemaEvent in await outbox.UndispatchedAsync(100, cancellationToken))
        {
            await DispatchAsync(schemaEvent, cancellationToken);
        }
        await deliveries.DeliverDueAsync(cancellationToken);
    }

    private async Task LeadAsync(NpgsqlConnection session, CancellationToken stoppingToken)
    {
        await using (var listen = new NpgsqlCommand($"LISTEN {Sql.Identifier(Channel)}", session))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            // The session still holds the lock (a session that died lost it): throws, and this node stands by again.
            await session.ExecuteAsync(new CommandDefinition("SELECT 1", cancellationToken: stoppingToken));
            try
            {
                await RunOnceAsync(session, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException && session.FullState == System.Data.ConnectionState.Open)
            {
                // A pass that failed on something else than the leader's own session (a tenant's database down, a
                // bug) is logged and tried again at the next wake-up; it never stops the web node.
                Log.PassFailed(logger, e);
            }
            var wait = Poll;
            if (await deliveries.NextDueAsync(stoppingToken) is { } due)
            {
                var untilDue = due - DateTime.UtcNow;
                if (untilDue < wait) wait = untilDue < TimeSpan.FromMilliseconds(10) ? TimeSpan.FromMilliseconds(10) : untilDue;
            }
            if (await session.WaitAsync(wait, stoppingToken))
            {
                // Events of one burst (a run relays several stores) arrive together: drain, then work once.
                while (await session.WaitAsync(TimeSpan.FromMilliseconds(20), stoppingToken)) { }
            }
        }
    }

    private async Task DispatchAsync(SchemaEvent schemaEvent, CancellationToken cancellationToken)
    {
        var refreshed = await RefreshDatasetsAsync(schemaEvent, cancellationToken);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ipai_schema_event SET dispatched_at = clock_timestamp(), bi_refresh = @refreshed WHERE id = @Id AND dispatched_at IS NULL",
            new { schemaEvent.Id, refreshed }, transaction, cancellationToken: cancellationToken));
        var enqueued = claimed == 0 ? 0 : await WebhookDeliveries.EnqueueAsync(connection, transaction, schemaEvent, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        Log.Dispatched(logger, schemaEvent.Id, schemaEvent.Change, schemaEvent.TenantCode, refreshed, enqueued);
    }

    /// <summary>What the BI refresh did, in a line for the event's record; a failure is recorded, not thrown (the webhooks still get the event).</summary>
    private async Task<string> RefreshDatasetsAsync(SchemaEvent schemaEvent, CancellationToken cancellationToken)
    {
        if (schemaEvent.Change == SchemaChanges.TenantArchived) return "none: the tenant's stores are dropped";
        try
        {
            return (await datasets.RefreshAsync(schemaEvent.TenantCode, cancellationToken)).Summary;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException or Core.Errors.OperatorException)
        {
            Log.RefreshFailed(logger, schemaEvent.TenantCode, e.Message);
            return $"failed: {e.Message}";
        }
    }

    private static partial class Log
    {
        [LoggerMessage(5001, LogLevel.Information, "This node dispatches schema_changed events now")]
        public static partial void Leading(ILogger logger);

        [LoggerMessage(5002, LogLevel.Warning, "This node lost the event dispatcher's leadership: {Reason}")]
        public static partial void LeadershipLost(ILogger logger, string reason);

        [LoggerMessage(5003, LogLevel.Debug, "The event dispatcher's stand-by could not ask for leadership: {Reason}")]
        public static partial void StandbyFailed(ILogger logger, string reason);

        [LoggerMessage(5004, LogLevel.Information, "Relayed event {EventId} from the {Store} store of tenant {Tenant} (left by an interrupted run)")]
        public static partial void Relayed(ILogger logger, long eventId, string tenant, string store);

        [LoggerMessage(5005, LogLevel.Information, "Dispatched event {EventId} ({Change}, tenant {Tenant}): BI {Refreshed}; {Deliveries} webhook delivery(ies) enqueued")]
        public static partial void Dispatched(ILogger logger, long eventId, string change, string tenant, string refreshed, int deliveries);

        [LoggerMessage(5006, LogLevel.Warning, "BI refresh for tenant {Tenant} failed: {Reason}")]
        public static partial void RefreshFailed(ILogger logger, string tenant, string reason);

        [LoggerMessage(5008, LogLevel.Warning, "Could not relay the {Store} store of tenant {Tenant} (tried again at the next pass): {Reason}")]
        public static partial void RelayFailed(ILogger logger, string tenant, string store, string reason);

        [LoggerMessage(5009, LogLevel.Warning, "This node does not dispatch schema_changed events: its only database URL (POSTGRES_URL) goes through a transaction-mode pooler, and the dispatcher needs a session (set POSTGRES_URL_NON_POOLING). Events wait in the outbox for a node that has one.")]
        public static partial void NoSession(ILogger logger);

        [LoggerMessage(5007, LogLevel.Error, "A pass of the event dispatcher failed; it runs again at the next wake-up")]
        public static partial void PassFailed(ILogger logger, Exception exception);
    }
}
