using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Servers;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// <c>tenant move CODE --to SERVER</c>: the tenant's own database goes to another fleet server by dump and restore;
/// its schema in the shared data database stays at home. Steps, each journaled in <c>ipai_tenant_move</c> and each
/// done again or skipped by a rerun:
/// <list type="number">
/// <item><b>freeze</b>: the runtime roles lose CONNECT on the source and their sessions there end, so that no write
/// can land after the copy starts; the tenant's requests get a retryable 503 until the switch.</item>
/// <item><b>copy</b>: a new database on the target (dropped and made again by a rerun, and only one this move
/// created), <c>pg_dump</c> of the source read as a role that bypasses RLS, <c>pg_restore</c> into the target.</item>
/// <item><b>verify</b>: every table's row count and checksum, source against target.</item>
/// <item><b>switch</b>: the registry names the target (one row update; every node's routing table hears it): from
/// here the tenant is served from the target.</item>
/// <item><b>retire</b>: the source database is renamed <c>ipai_moved_…</c>, closed to the runtime roles, and kept
/// until <c>--purge</c>.</item>
/// </list>
/// Before the switch the registry names the source and the source is intact; after it, the target is complete and
/// verified: a move killed at any point leaves the tenant served from exactly one place, and a rerun finishes it. The
/// tenant's provisioning lock is held throughout (no provisioning, archive or second move meanwhile).
/// </summary>
public sealed class TenantMover(
    PlatformDatabases databases, PlatformEnvironmentSource source, TenantRegistry registry, ServerRegistry servers, TenantArchiver archiver, FaultInjection faults)
{
    /// <summary>What a move did and measured: <see cref="Unavailable"/> is from the freeze to the switch's commit.</summary>
    public sealed record MoveResult(
        string Tenant, Guid MoveId, string From, string To, bool Resumed, int Tables, long Rows, TimeSpan Unavailable, TimeSpan Elapsed, string? OldCopy,
        IReadOnlyList<string> Did);

    private sealed record MoveRow(
        Guid Id, string TenantCode, string DbName, string FromServer, string ToServer, DateTime? FrozenAt, DateTime? TargetCreatedAt, DateTime? CopiedAt,
        DateTime? VerifiedAt, int? Tables, long? RowCount, DateTime? SwitchedAt, string? OldCopy);

    public async Task<MoveResult> MoveAsync(string code, string to, Action<string>? onStep, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        databases.Environment.RequireSession($"Moving tenant '{code}'");
        await using var lockConnection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var held = await AdvisoryLock.TryAcquireAsync(lockConnection, TenantProvisioner.LockKey(code), cancellationToken)
            ?? throw new ProvisioningException($"Tenant '{code}' is being provisioned, archived or moved right now: wait for that to finish, then run again.");
        var tenant = await registry.GetAsync(code, cancellationToken);
        var did = new List<string>();
        void Did(string what)
        {
            did.Add(what);
            onStep?.Invoke(what);
        }

        var move = await OpenMoveAsync(lockConnection, code, cancellationToken);
        var resumed = move is not null;
        if (move is not null && move.ToServer != to)
        {
            throw new ProvisioningException($"Tenant '{code}' has an unfinished move to server {move.ToServer}: finish it first (`./ipai tenant move {code} --to {move.ToServer}`).");
        }
        move ??= await StartAsync(lockConnection, tenant, to, cancellationToken);
        var from = move.FromServer;
        var database = move.DbName;
        var names = source.Names;

        if (tenant.DatabaseServer == from)
        {
            // 1. freeze
            await using (var maintenance = await databases.Maintenance(from).OpenConnectionAsync(cancellationToken))
            {
                // A session the owner cannot end would stop the move at its last step, after the switch: refused now.
                if (move.FrozenAt is null) await DatabaseSessions.RefuseUnendableAsync(maintenance, from, database, "run the move again", cancellationToken);
                foreach (var role in await RuntimeRoleGuard.ExistingRuntimeRolesAsync(maintenance, names, cancellationToken))
                {
                    await maintenance.ExecuteAsync(new CommandDefinition($"REVOKE CONNECT ON DATABASE {Sql.Identifier(database)} FROM {Sql.Identifier(role)}", cancellationToken: cancellationToken));
                }
                await DatabaseSessions.EndAsync(maintenance, database, names.RuntimeRoles(), cancellationToken);
            }
            if (move.FrozenAt is null) move = await MarkAsync(lockConnection, move.Id, "frozen_at = clock_timestamp()", cancellationToken);
            Did($"froze {database} on {from}: the runtime roles may not connect (its requests answer 503 until the switch)");
            faults.Hit("move:frozen");

            // 2. copy
            if (move.CopiedAt is null)
            {
                await using (var target = await databases.Maintenance(to).OpenConnectionAsync(cancellationToken))
                {
                    if (await archiver.DatabaseExistsAsync(to, database, cancellationToken))
                    {
                        if (move.TargetCreatedAt is null)
                        {
                            throw new ProvisioningException($"Database {database} exists on server {to} already, and this move did not create it: it may hold other data.",
                                $"look at it (`./ipai psql {database}` reaches the tenant's own server; connect to {to} yourself), drop it if it is garbage, and run the move again.");
                        }
                        await databases.ForgetTenantDatabaseEverywhereAsync(to, database);
                        await DatabaseSessions.DropAsync(target, to, database, "run the move again", cancellationToken);
                        Did($"dropped the partial copy a killed run left on {to}");
                    }
                    move = await MarkAsync(lockConnection, move.Id, "target_created_at = clock_timestamp()", cancellationToken);
                    await target.ExecuteAsync(new CommandDefinition(
                        $"CREATE DATABASE {Sql.Identifier(database)} OWNER {Sql.Identifier(databases.OwnerRoleOn(to))} ENCODING 'UTF8' TEMPLATE template0", cancellationToken: cancellationToken));
                    faults.Hit("move:target_created");
                    await archiver.CopyDatabaseAsync(from, to, database, cancellationToken);
                    await TenantProvisioner.GrantConnectAsync(target, database, names, cancellationToken);
                }
                move = await MarkAsync(lockConnection, move.Id, "copied_at = clock_timestamp()", cancellationToken);
                Did($"copied {database} from {from} to {to} (pg_dump, pg_restore)");
                faults.Hit("move:copied");
            }

            // 3. verify
            if (move.VerifiedAt is null)
            {
                var (tables, rows) = await VerifyAsync(from, to, database, cancellationToken);
                move = await MarkAsync(lockConnection, move.Id, "verified_at = clock_timestamp(), tables = @tables, row_count = @rows", cancellationToken, new { tables, rows });
                Did($"verified {tables} table(s), {rows} row(s): counts and checksums equal on both servers");
                faults.Hit("move:verified");
            }

            // 4. switch
            tenant = await registry.SwitchServerAsync(code, to, cancellationToken);
            move = await MarkAsync(lockConnection, move.Id, "switched_at = clock_timestamp()", cancellationToken);
            Did($"switched the registry: {code} is served from {to}");
            faults.Hit("move:switched");
        }
        else if (tenant.DatabaseServer != to)
        {
            throw new ProvisioningException($"Tenant '{code}' is on server {tenant.DatabaseServer}, but its unfinished move went from {from} to {to}: the registry was changed by hand; set it back or finish by hand.");
        }

        // A run killed between the registry's switch and its journal line: the switch happened (the registry says so).
        if (move.SwitchedAt is null) move = await MarkAsync(lockConnection, move.Id, "switched_at = clock_timestamp()", cancellationToken);

        // 5. retire the source
        if (move.OldCopy is null)
        {
            var oldCopy = OldCopyName(move.Id, database);
            await using var maintenance = await databases.Maintenance(from).OpenConnectionAsync(cancellationToken);
            if (await archiver.DatabaseExistsAsync(from, database, cancellationToken))
            {
                await databases.ForgetTenantDatabaseEverywhereAsync(from, database);
                await DatabaseSessions.EndAllOrRefuseAsync(maintenance, from, database, "run the move again: it resumes here", cancellationToken);
                await maintenance.ExecuteAsync(new CommandDefinition($"ALTER DATABASE {Sql.Identifier(database)} RENAME TO {Sql.Identifier(oldCopy)}", cancellationToken: cancellationToken));
                Did($"kept the old copy on {from} as {oldCopy} (closed to the runtime roles) until `./ipai tenant move {code} --purge`");
            }
            move = await MarkAsync(lockConnection, move.Id, "old_copy = @oldCopy", cancellationToken, new { oldCopy });
            faults.Hit("move:retired");
        }
        move = await MarkAsync(lockConnection, move.Id, "finished_at = clock_timestamp()", cancellationToken);
        var unavailable = move.SwitchedAt is { } switched && move.FrozenAt is { } frozen ? switched - frozen : TimeSpan.Zero;
        return new MoveResult(code, move.Id, from, to, resumed, move.Tables ?? 0, move.RowCount ?? 0, unavailable, clock.Elapsed, move.OldCopy, did);
    }

    /// <summary>Drops the old copies that finished moves of <paramref name="code"/> kept; returns what it dropped.</summary>
    public async Task<IReadOnlyList<string>> PurgeAsync(string code, CancellationToken cancellationToken)
    {
        await registry.GetAsync(code, cancellationToken);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var copies = (await connection.QueryAsync<(Guid Id, string Server, string Copy)>(new CommandDefinition("""
            SELECT id, from_server, old_copy FROM ipai_tenant_move
            WHERE tenant_code = @code AND finished_at IS NOT NULL AND old_copy IS NOT NULL AND purged_at IS NULL ORDER BY started_at
            """, new { code }, cancellationToken: cancellationToken))).ToList();
        var dropped = new List<string>();
        foreach (var (id, server, copy) in copies)
        {
            await using (var maintenance = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken))
            {
                await DatabaseSessions.DropAsync(maintenance, server, copy, $"run `./ipai tenant move {code} --purge` again", cancellationToken);
            }
            await connection.ExecuteAsync(new CommandDefinition("UPDATE ipai_tenant_move SET purged_at = clock_timestamp() WHERE id = @id", new { id }, cancellationToken: cancellationToken));
            dropped.Add($"{copy} on {server}");
        }
        return dropped;
    }

    /// <summary>The name the source database is kept under after a move: <c>ipai_moved_&lt;move&gt;_&lt;database&gt;</c>, at most 63 bytes.</summary>
    internal static string OldCopyName(Guid moveId, string database)
    {
        var name = $"ipai_moved_{moveId.ToString("N")[..8]}_{database}";
        return name.Length <= Sql.MaxIdentifierLength ? name : name[..Sql.MaxIdentifierLength];
    }

    private async Task<MoveRow> StartAsync(NpgsqlConnection platform, Tenant tenant, string to, CancellationToken cancellationToken)
    {
        if (tenant.State is not (TenantState.Active or TenantState.Suspended))
        {
            throw new InvalidTenantStateException($"Tenant '{tenant.Code}' is {TenantLifecycle.ToText(tenant.State)}: only an active or suspended tenant moves (a draft is placed with `tenant update {tenant.Code} --server {to}`).");
        }
        if (tenant.DbName == databases.Environment.PlatformDatabase)
        {
            throw new ProvisioningException($"Tenant '{tenant.Code}' keeps its rows in the platform database, which lives on the home server: it has no database of its own to move.");
        }
        if (tenant.DatabaseServer == to) throw new ProvisioningException($"Tenant '{tenant.Code}' is on server {to} already.");
        var target = await servers.GetAsync(to, cancellationToken);
        if (target.State != FleetServerState.Active)
        {
            throw new ProvisioningException($"Server {to} is draining: it takes no tenant. `./ipai server activate {to}` takes it back.");
        }
        var id = Guid.NewGuid();
        await platform.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_tenant_move (id, tenant_code, db_name, from_server, to_server) VALUES (@id, @code, @database, @from, @to)
            """, new { id, code = tenant.Code, database = tenant.DbName, from = tenant.DatabaseServer, to }, cancellationToken: cancellationToken));
        return (await OpenMoveAsync(platform, tenant.Code, cancellationToken))!;
    }

    private const string MoveColumns = """
        id, tenant_code AS TenantCode, db_name AS DbName, from_server AS FromServer, to_server AS ToServer, frozen_at AS FrozenAt,
        target_created_at AS TargetCreatedAt, copied_at AS CopiedAt, verified_at AS VerifiedAt, tables, row_count AS RowCount,
        switched_at AS SwitchedAt, old_copy AS OldCopy
        """;

    private static async Task<MoveRow?> OpenMoveAsync(NpgsqlConnection platform, string code, CancellationToken cancellationToken) =>
        await platform.QuerySingleOrDefaultAsync<MoveRow>(new CommandDefinition(
            $"SELECT {MoveColumns} FROM ipai_tenant_move WHERE tenant_code = @code AND finished_at IS NULL", new { code }, cancellationToken: cancellationToken));

    private static async Task<MoveRow> MarkAsync(NpgsqlConnection platform, Guid id, string set, CancellationToken cancellationToken, object? values = null)
    {
        var parameters = new DynamicParameters(values);
        parameters.Add("id", id);
        return await platform.QuerySingleAsync<MoveRow>(new CommandDefinition(
            $"UPDATE ipai_tenant_move SET {set} WHERE id = @id RETURNING {MoveColumns}", parameters, cancellationToken: cancellationToken));
    }

    /// <summary>Every table's row count and checksum on both servers, read as a role that bypasses RLS; throws on any difference.</summary>
    private async Task<(int Tables, long Rows)> VerifyAsync(string from, string to, string database, CancellationToken cancellationToken)
    {
        var before = await archiver.ChecksumsAsync(from, database, "public", null, await archiver.ReaderRoleAsync(from, cancellationToken), cancellationToken);
        var after = await archiver.ChecksumsAsync(to, database, "public", null, await archiver.ReaderRoleAsync(to, cancellationToken), cancellationToken);
        var differences = before.Select(t => t.Table).Union(after.Select(t => t.Table))
            .Where(t => before.FirstOrDefault(b => b.Table == t) != after.FirstOrDefault(a => a.Table == t)).ToList();
        await databases.ForgetTenantDatabaseEverywhereAsync(to, database);
        if (differences.Count > 0)
        {
            throw new ProvisioningException($"The copy of {database} on {to} differs from the source in {string.Join(", ", differences)}: the tenant stays on {from}.",
                "run the move again: it drops the copy and makes it anew.");
        }
        return (before.Count, before.Sum(t => t.Rows));
    }
}
