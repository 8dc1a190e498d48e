using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Events;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Provisioning;

/// <summary>The new-scripts run: the fast path of <c>migrate --all</c> (<see cref="ApplyNewScriptsAsync"/>).</summary>
public sealed partial class TenantProvisioner
{
    /// <summary>The one step a new-scripts run journals.</summary>
    public const string NewScriptsStep = "new_scripts";

    /// <summary>
    /// Settled tenants (of one, <c>@code</c>, or all when null): active, last run succeeded, no module asked for
    /// since it started; with the fingerprint of the scripts that run applied. A settled tenant with this build's
    /// fingerprint is current; one with another needs only the scripts its stores lack (<see cref="ApplyNewScriptsAsync"/>).
    /// </summary>
    internal const string SettledTenantsSql = """
        SELECT t.code AS Code, last.scripts AS Scripts FROM ipai_tenant t
        CROSS JOIN LATERAL (
            SELECT r.outcome, r.scripts, r.started_at FROM ipai_provision_run r
            WHERE r.tenant_code = t.code ORDER BY r.started_at DESC LIMIT 1) last
        WHERE t.state = 'active' AND last.outcome = 'succeeded' AND (@code::text IS NULL OR t.code = @code)
          AND NOT EXISTS (SELECT 1 FROM ipai_tenant_module m WHERE m.tenant_code = t.code AND m.requested_at >= last.started_at)
        """;

    /// <summary>One scope's scripts bound for one schema of one database, the tenant store the schema is, and the module (null: tenant context, databank).</summary>
    private sealed record ScriptSet(NpgsqlDataSource Database, MigrationTarget Target, string Scope, IReadOnlyList<Migration> Migrations, TenantStore Store, Module? Module);

    /// <summary>
    /// Brings a settled tenant to this build's scripts without a full run: under the tenant's lock, reads each of
    /// its stores' journals once, applies the scripts they lack (modules, databank, tenant context), relays their
    /// schema-change events, records the modules' versions, and runs the isolation gate over the stores that changed.
    /// These are the modules and isolation steps of a full run for the new scripts alone; drift (a dropped table, a
    /// disabled policy) is for a full run (<c>migrate --all --full</c>). Journaled as a run of one step,
    /// <see cref="NewScriptsStep"/>, recording this build's fingerprint when it succeeds; a failed or killed one makes
    /// the tenant's next pass a full run. Returns null, having done nothing, when the tenant is not settled (any
    /// more) or another run holds its lock: it needs a full run.
    /// </summary>
    public async Task<ProvisionResult?> ApplyNewScriptsAsync(string code, IsolationLint.SharedFindings? shared, CancellationToken cancellationToken)
    {
        await using var journal = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var tenantLock = await AdvisoryLock.TryAcquireAsync(journal, LockKey(code), cancellationToken);
        if (tenantLock is null) return null;
        var settled = await journal.QueryFirstOrDefaultAsync<(string Code, string? Scripts)>(new CommandDefinition(
            SettledTenantsSql, new { code }, cancellationToken: cancellationToken));
        if (settled.Code is null) return null;
        var tenant = await registry.GetAsync(code, cancellationToken);
        var runId = Guid.NewGuid();
        var clock = Stopwatch.StartNew();
        await JournalAsync(journal, """
            INSERT INTO ipai_provision_run (id, tenant_code, host, pid) VALUES (@runId, @code, @host, @pid);
            INSERT INTO ipai_provision_step (run_id, position, step, started_at) VALUES (@runId, 1, @step, clock_timestamp());
            """, new { runId, code, host = Environment.MachineName, pid = Environment.ProcessId, step = NewScriptsStep }, cancellationToken);
        try
        {
            var (acted, detail) = await ApplyNewScriptsAsync(tenant, shared, cancellationToken);
            await JournalAsync(journal, """
                UPDATE ipai_provision_step SET finished_at = clock_timestamp(), outcome = @outcome, detail = @detail WHERE run_id = @runId AND position = 1;
                UPDATE ipai_provision_run SET finished_at = clock_timestamp(), outcome = 'succeeded', scripts = @scripts WHERE id = @runId;
                """, new { runId, outcome = acted ? "acted" : "done", detail, scripts = ScriptsFingerprint }, cancellationToken);
            return new ProvisionResult(runId, code, [new StepResult(NewScriptsStep, acted, detail, clock.Elapsed)]);
        }
        catch (Exception e)
        {
            var error = $"{NewScriptsStep}: {(e is PostgresException pg ? PostgresErrors.Describe(pg) : e.Message)}";
            await JournalAsync(journal, """
                UPDATE ipai_provision_step SET finished_at = clock_timestamp(), outcome = 'failed', error = @error WHERE run_id = @runId AND position = 1;
                UPDATE ipai_provision_run SET finished_at = clock_timestamp(), outcome = 'failed', error = @error WHERE id = @runId;
                """, new { runId, error }, CancellationToken.None);
            throw;
        }
        finally
        {
            await databases.ForgetTenantDatabaseAsync(tenant.DatabaseServer, tenant.DbName);
        }
    }

    private async Task<(bool Acted, string Detail)> ApplyNewScriptsAsync(Tenant tenant, IsolationLint.SharedFindings? shared, CancellationToken cancellationToken)
    {
        var modules = await ModulesOfAsync(tenant, cancellationToken);
        var pending = await PendingScriptsAsync(ScriptSetsOf(tenant, modules), cancellationToken);
        if (pending.Count == 0) return (false, "no new script for this tenant's modules");

        // As in a full run: the stores' outboxes marked before a script can write to them, relayed once applied.
        var stores = EventStoresOf(tenant).Where(s => pending.Any(p => p.Target.TenantCode is not null && p.Store == StoreOf(s))).ToList();
        await RelayAsync(await outbox.MarkAsync(stores, cancellationToken), unmark: false, cancellationToken);
        var did = new List<string>();
        try
        {
            foreach (var set in pending)
            {
                var applied = await MigrationRunner.ApplyAsync(set.Database, set.Target, set.Scope, set.Migrations, null, cancellationToken);
                if (applied.Count > 0) did.Add($"{set.Scope}: {string.Join(", ", applied)}");
                if (set.Scope == TenantContext.Scope && applied.Count > 0) await TenantContext.RecordDefinitionsAsync(set.Database, cancellationToken);
            }
            faults.Hit(NewScriptsFaultPoint);
            await RelayAsync(stores, unmark: false, cancellationToken);
            var changedModules = pending.Select(p => p.Module).OfType<Module>().Distinct().ToList();
            if (changedModules.Count > 0)
            {
                await RecordModulesAsync(databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName), tenant, changedModules, cancellationToken, modulesOnly: true);
            }
            var findings = await isolationLint.CheckTenantAsync(tenant, pending.Select(p => p.Store).Distinct().ToList(), cancellationToken, shared);
            did.Add(await IsolationGateAsync(tenant, findings, cancellationToken));
        }
        catch
        {
            await TryRelayAsync(stores);
            throw;
        }
        await outbox.UnmarkAsync(stores, cancellationToken);
        return (true, "applied " + string.Join("; ", did));
    }

    /// <summary>The fault point of a new-scripts run: its scripts committed, nothing relayed, gated or journaled yet.</summary>
    public const string NewScriptsFaultPoint = "new_scripts:applied";

    private static TenantStore StoreOf(EventStore store) => store.Store == EventStore.DatabaseStore ? TenantStore.Database : TenantStore.Schema;

    /// <summary>
    /// Every scope of scripts a full run applies to <paramref name="tenant"/>, in the order it applies them: the
    /// tenant context of the data database, the databank, then the tenant context of the tenant's database and the
    /// modules in install order.
    /// </summary>
    private List<ScriptSet> ScriptSetsOf(Tenant tenant, IReadOnlyList<Module> modules)
    {
        var tenantDatabase = databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName);
        var context = MigrationTarget.Public with { Placeholders = Placeholders };
        var sets = new List<ScriptSet> { new(databases.Data, context, TenantContext.Scope, TenantContext.Migrations, TenantStore.Schema, null) };
        if (catalog.DatabankOf(tenant.Code) is { } databank)
        {
            sets.Add(new(databases.Data, new MigrationTarget(tenant.SupabaseSchema, tenant.Code, Placeholders), databank.Scope, databank.Migrations, TenantStore.Schema, null));
        }
        sets.Add(new(tenantDatabase, context, TenantContext.Scope, TenantContext.Migrations, TenantStore.Database, null));
        foreach (var module in modules)
        {
            sets.Add(module.Target == ModuleTarget.Database
                ? new(tenantDatabase, new MigrationTarget("public", tenant.Code, Placeholders), module.Scope, module.Migrations, TenantStore.Database, module)
                : new(databases.Data, new MigrationTarget(tenant.SupabaseSchema, tenant.Code, Placeholders), module.Scope, module.Migrations, TenantStore.Schema, module));
        }
        return sets;
    }

    /// <summary>
    /// The sets whose journal lacks scripts, each journal read once; throws when an applied script changed
    /// (<see cref="MigrationRunner.Pending"/>), as a full run would.
    /// </summary>
    private static async Task<IReadOnlyList<ScriptSet>> PendingScriptsAsync(IReadOnlyList<ScriptSet> sets, CancellationToken cancellationToken)
    {
        var pending = new List<ScriptSet>();
        foreach (var group in sets.GroupBy(s => (s.Database, s.Target.Schema)))
        {
            await using var connection = await group.Key.Database.OpenConnectionAsync(cancellationToken);
            var journal = await MigrationRunner.JournalAsync(connection, group.Key.Schema, cancellationToken);
            foreach (var set in group)
            {
                var applied = journal.GetValueOrDefault(set.Scope) ?? new Dictionary<string, string>();
                if (MigrationRunner.Pending(applied, set.Scope, set.Migrations).Count > 0) pending.Add(set);
            }
        }
        // In the order a full run applies them (a module's scripts may need those of the modules before it).
        return sets.Where(pending.Contains).ToList();
    }
}
