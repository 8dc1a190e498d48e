using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Events;

/// <summary>
/// The platform's outbox of <c>schema_changed</c> events (<c>ipai_schema_event</c>) and the relay that fills it from
/// the tenant stores' outboxes (<c>&lt;schema&gt;.ipai_migration_event</c>, written by <see cref="MigrationRunner"/> in
/// the transaction of each script). A relay moves every row of one store's outbox into one event, exactly once: the
/// event records the rows it came from, and a relay repeated after a crash (rows still in the store) skips them.
/// </summary>
public sealed class SchemaEventOutbox(PlatformDatabases databases)
{
    private const string Columns = """
        id, uuid, event_type AS EventType, change, tenant_code AS TenantCode, store, database, schema, scripts,
        scopes_installed AS ScopesInstalled, checksum, occurred_at AS OccurredAt, recorded_at AS RecordedAt,
        dispatched_at AS DispatchedAt, bi_refresh AS BiRefresh
        """;

    /// <summary>
    /// Writes a lifecycle event (provisioned, restored, archived) in the caller's transaction on the platform
    /// database: the transaction that moves the tenant's state.
    /// </summary>
    public static async Task WriteLifecycleAsync(
        NpgsqlConnection platform, NpgsqlTransaction transaction, string change, string tenantCode, string database, string schema,
        string? checksum, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(platform);
        if (change is not (SchemaChanges.TenantProvisioned or SchemaChanges.TenantRestored or SchemaChanges.TenantArchived))
        {
            throw new ArgumentException($"'{change}' is not a lifecycle change.", nameof(change));
        }
        await platform.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_schema_event (change, tenant_code, database, schema, checksum, occurred_at)
            VALUES (@change, @tenantCode, @database, @schema, @checksum, clock_timestamp())
            """, new { change, tenantCode, database, schema, checksum }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// Marks stores whose outbox is about to receive rows (before a run touches them); returns those that were marked
    /// already: a run before this one ended without relaying them.
    /// </summary>
    public async Task<IReadOnlyList<EventStore>> MarkAsync(IReadOnlyList<EventStore> stores, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stores);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        // The CTE's SELECT sees the table as it was before the INSERT: the marks left over.
        var leftover = (await connection.QueryAsync<(string TenantCode, string Store)>(new CommandDefinition("""
            WITH marked AS (
                INSERT INTO ipai_schema_event_store (tenant_code, store, server, database, schema)
                SELECT * FROM unnest(@tenants::text[], @kinds::text[], @servers::text[], @databases::text[], @schemas::text[])
                ON CONFLICT (tenant_code, store) DO UPDATE SET server = excluded.server, database = excluded.database, schema = excluded.schema
                WHERE (ipai_schema_event_store.server, ipai_schema_event_store.database, ipai_schema_event_store.schema)
                    IS DISTINCT FROM (excluded.server, excluded.database, excluded.schema)
            )
            SELECT tenant_code, store FROM ipai_schema_event_store WHERE (tenant_code, store) IN (SELECT * FROM unnest(@tenants::text[], @kinds::text[]))
            """, new
        {
            tenants = stores.Select(s => s.TenantCode).ToArray(), kinds = stores.Select(s => s.Store).ToArray(),
            servers = stores.Select(s => s.Server).ToArray(), databases = stores.Select(s => s.Database).ToArray(), schemas = stores.Select(s => s.Schema).ToArray(),
        }, cancellationToken: cancellationToken))).ToHashSet();
        return stores.Where(s => leftover.Contains((s.TenantCode, s.Store))).ToList();
    }

    /// <summary>The marked stores: those whose outbox may hold rows not yet relayed.</summary>
    public async Task<IReadOnlyList<EventStore>> MarkedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<EventStore>(new CommandDefinition(
            "SELECT tenant_code AS TenantCode, store, server, database, schema FROM ipai_schema_event_store ORDER BY marked_at, tenant_code, store",
            cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>
    /// Relays the store's outbox rows of its tenant into one event (none when the outbox is empty or gone), then
    /// clears the mark when <paramref name="unmark"/>: the caller holds the tenant's provisioning lock, so no run
    /// adds rows meanwhile. Returns the event written, or null.
    /// </summary>
    public async Task<SchemaEvent?> RelayAsync(EventStore store, bool unmark, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var rows = await StoreRowsAsync(store, cancellationToken);
        SchemaEvent? relayed = null;
        if (rows.Count > 0)
        {
            var ids = rows.Select(r => r.Id).ToArray();
            await using (var platform = await databases.Platform.OpenConnectionAsync(cancellationToken))
            await using (var transaction = await platform.BeginTransactionAsync(cancellationToken))
            {
                // Two relays of one store (a run's and the dispatcher's) take turns here.
                await platform.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtextextended(@key, 0))",
                    new { key = $"ipai:event_relay:{store.TenantCode}:{store.Store}" }, transaction, cancellationToken: cancellationToken));
                var done = (await platform.QueryAsync<Guid>(new CommandDefinition("""
                    SELECT DISTINCT relayed FROM ipai_schema_event, unnest(store_event_ids) AS relayed
                    WHERE tenant_code = @TenantCode AND store = @Store AND store_event_ids && @ids
                    """, new { store.TenantCode, store.Store, ids }, transaction, cancellationToken: cancellationToken))).ToHashSet();
                var fresh = rows.Where(r => !done.Contains(r.Id)).ToList();
                if (fresh.Count > 0)
                {
                    relayed = await platform.QuerySingleAsync<SchemaEvent>(new CommandDefinition($"""
                        INSERT INTO ipai_schema_event (change, tenant_code, store, database, schema, scripts, scopes_installed, checksum, occurred_at, store_event_ids)
                        VALUES (@change, @TenantCode, @Store, @Database, @Schema, @scripts, @installed, @checksum, @occurredAt, @ids)
                        RETURNING {Columns}
                        """, new
                    {
                        change = SchemaChanges.ScriptsApplied, store.TenantCode, store.Store, store.Database, store.Schema,
                        scripts = fresh.Select(r => $"{r.Scope}/{r.MigrationId}").ToArray(),
                        installed = fresh.Where(r => r.InstallsScope).Select(r => r.Scope).Distinct(StringComparer.Ordinal).ToArray(),
                        checksum = fresh[^1].Checksum, occurredAt = fresh[^1].OccurredAt, ids = fresh.Select(r => r.Id).ToArray(),
                    }, transaction, cancellationToken: cancellationToken));
                }
                await transaction.CommitAsync(cancellationToken);
            }
            await using var storeConnection = await OpenStoreAsync(store, cancellationToken);
            if (storeConnection is not null)
            {
                await storeConnection.ExecuteAsync(new CommandDefinition(
                    $"DELETE FROM {Sql.Identifier(store.Schema)}.{MigrationRunner.EventOutbox} WHERE id = ANY(@ids)", new { ids }, cancellationToken: cancellationToken));
            }
        }
        if (unmark) await UnmarkAsync([store], cancellationToken);
        return relayed;
    }

    /// <summary>
    /// Clears the marks of stores whose outboxes were relayed since their last script: the caller holds the tenant's
    /// provisioning lock, so no run adds rows meanwhile.
    /// </summary>
    public async Task UnmarkAsync(IReadOnlyList<EventStore> stores, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stores);
        await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await platform.ExecuteAsync(new CommandDefinition(
            "DELETE FROM ipai_schema_event_store WHERE (tenant_code, store) IN (SELECT * FROM unnest(@tenants::text[], @kinds::text[]))",
            new { tenants = stores.Select(s => s.TenantCode).ToArray(), kinds = stores.Select(s => s.Store).ToArray() }, cancellationToken: cancellationToken));
    }

    /// <summary>The newest events first (of one tenant, or all), at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<SchemaEvent>> ListAsync(string? tenantCode, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SchemaEvent>(new CommandDefinition($"""
            SELECT {Columns} FROM ipai_schema_event
            WHERE @tenantCode::text IS NULL OR tenant_code = @tenantCode
            ORDER BY id DESC LIMIT @limit
            """, new { tenantCode, limit }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Events not yet dispatched, oldest first.</summary>
    public async Task<IReadOnlyList<SchemaEvent>> UndispatchedAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<SchemaEvent>(new CommandDefinition(
            $"SELECT {Columns} FROM ipai_schema_event WHERE dispatched_at IS NULL ORDER BY id LIMIT @limit",
            new { limit }, cancellationToken: cancellationToken))).ToList();
    }

    private sealed record StoreRow(Guid Id, string Scope, string MigrationId, bool InstallsScope, string Checksum, DateTime OccurredAt);

    private async Task<IReadOnlyList<StoreRow>> StoreRowsAsync(EventStore store, CancellationToken cancellationToken)
    {
        await using var connection = await OpenStoreAsync(store, cancellationToken);
        if (connection is null) return [];
        try
        {
            return (await connection.QueryAsync<StoreRow>(new CommandDefinition($"""
                SELECT id, scope, migration_id AS MigrationId, installs_scope AS InstallsScope, checksum, occurred_at AS OccurredAt
                FROM {Sql.Identifier(store.Schema)}.{MigrationRunner.EventOutbox}
                WHERE tenant_code = @TenantCode ORDER BY occurred_at, id
                """, new { store.TenantCode }, cancellationToken: cancellationToken))).ToList();
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return []; // no script ever ran there (or the store is gone): nothing to relay
        }
    }

    /// <summary>A connection to the store's database as the owner; null when the database is gone (an archived tenant).</summary>
    private async Task<NpgsqlConnection?> OpenStoreAsync(EventStore store, CancellationToken cancellationToken)
    {
        try
        {
            return await databases.GetAsOwner(store.Server, store.Database).OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            return null;
        }
    }
}
