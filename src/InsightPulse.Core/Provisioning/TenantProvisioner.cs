using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Events;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Servers;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;
using Npgsql;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// <c>tenant provision CODE</c>: the seed's steps, each an <em>ensure</em> that looks at the real state before it
/// acts, so that a second run does nothing, a run killed anywhere is completed by the next, and drift (a dropped
/// schema or table) is repaired. One run per tenant at a time (an advisory lock keyed by the tenant); every run
/// and step is journaled in the platform database.
/// </summary>
public sealed partial class TenantProvisioner(
    PlatformDatabases databases,
    PlatformEnvironmentSource source,
    TenantRegistry registry,
    TenantModules tenantModules,
    ModuleCatalog catalog,
    AdminPassword adminPassword,
    DatabaseTemplates templates,
    IsolationLint isolationLint,
    BiWorkspaceInstaller biWorkspace,
    ExternalBiWorkspace externalBiWorkspace,
    SchemaEventOutbox outbox,
    ServerPlacement placement,
    WebSessions sessions,
    FaultInjection faults)
{
    public const string AdminLogin = "admin";

    /// <summary>The advisory lock that gives one run at a time per tenant (deprovision and restore take it too).</summary>
    public static string LockKey(string tenantCode) => "ipai:provision:" + tenantCode;
    public static readonly IReadOnlyList<string> StepNames = ["record", "schema", "database", "modules", "isolation", "admin", "bi_workspace", "active"];

    /// <summary>
    /// Options of one run. <see cref="UseTemplate"/> false creates a tenant database from template0 and runs every
    /// migration (the slow path, for benchmarks and for servers where templates cannot be made). <see cref="Restore"/>:
    /// the run completes a restore from an archive (its event says <c>tenant_restored</c>). <see cref="Repair"/>
    /// (<c>tenant repair</c>): the isolation step applies every script of the tenant's stores again, whatever the lint
    /// finds (a run without it does so for the stores the lint finds wrong).
    /// </summary>
    public sealed record Options(bool Adopt = false, bool Wait = true, bool UseTemplate = true, bool Restore = false, bool Repair = false);

    /// <summary>The owner of tenant schemas: the platform's owner on the data server.</summary>
    private string SchemaOwnerRole => databases.OwnerRoleOn(databases.Environment.DataServer);

    private IReadOnlyDictionary<string, string> Placeholders => new Dictionary<string, string>
    {
        ["app_role"] = Sql.Identifier(source.Names.AppRole),
        ["bi_role"] = Sql.Identifier(source.Names.BiRole),
    };

    /// <summary>
    /// Refuses, before anything is recorded, work that will end in a provisioning run when this process has no
    /// session to run it with (only a pooled URL): <see cref="PlatformEnvironment.RequireSession"/>.
    /// </summary>
    public void RequireSession(string work) => databases.Environment.RequireSession(work);

    public async Task<ProvisionResult> ProvisionAsync(
        string code, Options options, Action<StepResult>? onStep, Action<string>? onWait, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tenant = await registry.GetAsync(code, cancellationToken);
        RequireSession($"Provisioning tenant '{tenant.Code}'");
        await using var lockConnection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var tenantLock = await AdvisoryLock.TryAcquireAsync(lockConnection, LockKey(tenant.Code), cancellationToken);
        if (tenantLock is null)
        {
            var holder = await DescribeRunningAsync(tenant.Code, cancellationToken);
            if (!options.Wait) throw new ProvisioningException($"Tenant '{tenant.Code}' is being provisioned by {holder}: wait for it, or run again without --no-wait to queue behind it.");
            onWait?.Invoke($"waiting for {holder} to finish provisioning '{tenant.Code}'…");
            tenantLock = await AdvisoryLock.AcquireAsync(lockConnection, LockKey(tenant.Code), cancellationToken);
        }
        try
        {
            await using (tenantLock)
            {
                return await RunAsync(tenant.Code, options, onStep, lockConnection, cancellationToken);
            }
        }
        finally
        {
            // A draft was placed by this run: its pools are on the server the registry now names.
            var server = tenant.Server ?? (await registry.FindAsync(tenant.Code, CancellationToken.None))?.DatabaseServer ?? FleetServer.Home;
            await databases.ForgetTenantDatabaseAsync(server, tenant.DbName);
        }
    }

    /// <summary>The scripts fingerprint of <paramref name="code"/>'s last succeeded run (null: none, or one from before fingerprints).</summary>
    public async Task<string?> LastScriptsAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition("""
            SELECT scripts FROM ipai_provision_run WHERE tenant_code = @code AND outcome = 'succeeded' ORDER BY started_at DESC LIMIT 1
            """, new { code }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The fingerprint of the tenant scripts each tenant's last succeeded run applied (<see cref="ScriptsFingerprint"/>),
    /// by tenant code; null for a run of a build before that was recorded. Tenants without a succeeded run are absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string?>> LastScriptsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Code, string? Scripts)>(new CommandDefinition("""
            SELECT DISTINCT ON (tenant_code) tenant_code, scripts FROM ipai_provision_run
            WHERE outcome = 'succeeded' ORDER BY tenant_code, started_at DESC
            """, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Code, r => r.Scripts, StringComparer.Ordinal);
    }

    /// <summary>One run under the tenant's lock; <paramref name="journal"/> is the lock's connection, which also writes the journal.</summary>
    private async Task<ProvisionResult> RunAsync(string code, Options options, Action<StepResult>? onStep, NpgsqlConnection journal, CancellationToken cancellationToken)
    {
        // Read again under the lock: the run we waited for may have changed it.
        var tenant = await registry.GetAsync(code, cancellationToken);
        var runId = Guid.NewGuid();
        // We hold the tenant's lock: a run still open in the journal died without finishing.
        await journal.ExecuteAsync(new CommandDefinition("""
            UPDATE ipai_provision_run SET finished_at = clock_timestamp(), outcome = 'failed', error = 'interrupted: the process ended before the run finished' WHERE tenant_code = @code AND finished_at IS NULL;
            INSERT INTO ipai_provision_run (id, tenant_code, host, pid) VALUES (@runId, @code, @host, @pid);
            """, new { code, runId, host = Environment.MachineName, pid = Environment.ProcessId }, cancellationToken: cancellationToken));
        // The stores' outboxes: marked before any script can write to them, relayed once the scripts are applied (one
        // event per store and run, before the tenant's lifecycle event), unmarked at the end; a run killed in between
        // leaves the mark, and the next run or the dispatcher relays them.
        var stores = EventStoresOf(tenant);
        await RelayAsync(await outbox.MarkAsync(stores, cancellationToken), unmark: false, cancellationToken);
        var steps = new List<StepResult>();
        var position = 0;
        async Task Step(string name, Func<Task<(bool Acted, string Detail)>> work)
        {
            position++;
            var clock = Stopwatch.StartNew();
            await JournalAsync(journal, "INSERT INTO ipai_provision_step (run_id, position, step, started_at) VALUES (@runId, @position, @name, clock_timestamp())",
                new { runId, position, name }, cancellationToken);
            (bool Acted, string Detail) outcome;
            try
            {
                outcome = await work();
            }
            catch (Exception e)
            {
                var error = e is PostgresException pg ? PostgresErrors.Describe(pg) : e.Message;
                await JournalAsync(journal, """
                    UPDATE ipai_provision_step SET finished_at = clock_timestamp(), outcome = 'failed', error = @error WHERE run_id = @runId AND position = @position;
                    UPDATE ipai_provision_run SET finished_at = clock_timestamp(), outcome = 'failed', error = @error WHERE id = @runId;
                    """, new { runId, position, error = $"{name}: {error}" }, CancellationToken.None);
                throw;
            }
            await JournalAsync(journal, "UPDATE ipai_provision_step SET finished_at = clock_timestamp(), outcome = @outcome, detail = @detail WHERE run_id = @runId AND position = @position",
                new { runId, position, outcome = outcome.Acted ? "acted" : "done", detail = outcome.Detail }, cancellationToken);
            var result = new StepResult(name, outcome.Acted, outcome.Detail, clock.Elapsed);
            steps.Add(result);
            onStep?.Invoke(result);
            faults.Hit("after:" + name);
        }

        var startState = tenant.State;
        // A fresh tenant needs a new hash: compute it while the steps before the admin step wait on PostgreSQL.
        var hashAhead = startState is TenantState.Draft or TenantState.Archived ? adminPassword.HashAheadAsync(code) : null;
        await Step("record", async () =>
        {
            switch (tenant.State)
            {
                case TenantState.Suspended:
                    throw new ProvisioningException($"Tenant '{code}' is suspended: resume it before provisioning.");
                case TenantState.Draft or TenantState.Archived:
                    // A draft is placed before anything of it exists, so that a run that crashes resumes on the same server.
                    var placed = tenant.Server is null;
                    if (placed) tenant = await registry.PlaceAsync(code, await placement.ChooseAsync(tenant.DbName, cancellationToken), cancellationToken);
                    tenant = await registry.SetStateAsync(code, TenantState.Provisioning, cancellationToken);
                    return (true, $"{tenant.DisplayName}: {TenantLifecycle.ToText(startState)} -> provisioning{(placed ? $", placed on server {tenant.Server}" : "")}");
                default:
                    return (false, $"{tenant.DisplayName} is {TenantLifecycle.ToText(tenant.State)}");
            }
        });
        try
        {
            await Step("schema", () => EnsureSchemaAsync(tenant, runId, cancellationToken));
            await Step("database", () => EnsureDatabaseAsync(tenant, runId, options.Adopt, options.UseTemplate, cancellationToken));
            await Step("modules", () => EnsureModulesAsync(tenant, cancellationToken));
            await RelayAsync(stores, unmark: false, cancellationToken);
            await Step("isolation", () => EnsureIsolatedAsync(tenant, options.Repair, cancellationToken));
            await Step("admin", () => EnsureAdminAsync(tenant, hashAhead, cancellationToken));
            // The built-in BI service, or the external Superset the tenant's superset_base_url names.
            await Step("bi_workspace", () => tenant.SupersetBaseUrl is null
                ? biWorkspace.EnsureAsync(tenant, cancellationToken)
                : externalBiWorkspace.EnsureAsync(tenant, cancellationToken));
            await Step("active", async () =>
            {
                if (tenant.State == TenantState.Active) return (false, "active");
                var change = options.Restore ? SchemaChanges.TenantRestored : SchemaChanges.TenantProvisioned;
                tenant = await registry.SetStateAsync(code, TenantState.Active, change, ScriptsFingerprint, cancellationToken);
                return (true, "provisioning -> active");
            });
        }
        catch
        {
            // A failed run's committed scripts are reported too; the run's own error propagates as it was.
            await TryRelayAsync(stores);
            throw;
        }
        // The steps after the modules step apply no script, so the relay above left nothing behind: only the marks go.
        await outbox.UnmarkAsync(stores, cancellationToken);
        await JournalAsync(journal, "UPDATE ipai_provision_run SET finished_at = clock_timestamp(), outcome = 'succeeded', scripts = @scripts WHERE id = @runId",
            new { runId, scripts = ScriptsFingerprint }, cancellationToken);
        return new ProvisionResult(runId, code, steps);
    }

    /// <summary>The tenant's two stores, whose outboxes its runs write (a schema tenant's database store is the platform database).</summary>
    private IReadOnlyList<EventStore> EventStoresOf(Tenant tenant) =>
    [
        new(tenant.Code, EventStore.DatabaseStore, tenant.DatabaseServer, tenant.DbName, "public"),
        new(tenant.Code, EventStore.SchemaStore, databases.Environment.DataServer, databases.Environment.DataDatabase, tenant.SupabaseSchema),
    ];

    /// <summary>Relays what it can after a failed step; when the relay fails as well, the marks stay and the dispatcher relays later.</summary>
    private async Task TryRelayAsync(IReadOnlyList<EventStore> stores)
    {
        try
        {
            await RelayAsync(stores, unmark: true, CancellationToken.None);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The marks stay: the dispatcher relays these stores once they answer.
        }
    }

    /// <summary>Relays the stores' outboxes into the platform's; <paramref name="unmark"/> after a failed run.</summary>
    private async Task RelayAsync(IReadOnlyList<EventStore> stores, bool unmark, CancellationToken cancellationToken)
    {
        foreach (var store in stores) await outbox.RelayAsync(store, unmark, cancellationToken);
    }

    /// <summary>Step 2: the tenant's schema in the shared data database, owned by the owner role, with its databank.</summary>
    private async Task<(bool, string)> EnsureSchemaAsync(Tenant tenant, Guid runId, CancellationToken cancellationToken)
    {
        var schema = tenant.SupabaseSchema;
        var did = new List<string>();
        await using (var data = await databases.Data.OpenConnectionAsync(cancellationToken))
        {
            var owner = await data.ExecuteScalarAsync<string?>(new CommandDefinition(
                "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = @schema", new { schema }, cancellationToken: cancellationToken));
            if (schema != "public")
            {
                if (owner is null)
                {
                    await RecordResourceAsync(tenant.Code, "schema", schema, runId, adopted: false, cancellationToken);
                    await data.ExecuteAsync(new CommandDefinition(
                        $"CREATE SCHEMA {Sql.Identifier(schema)} AUTHORIZATION {Sql.Identifier(SchemaOwnerRole)}", cancellationToken: cancellationToken));
                    did.Add($"created schema {schema}");
                    faults.Hit("schema:created");
                }
                else if (owner != SchemaOwnerRole)
                {
                    throw new ProvisioningException(
                        $"Schema '{schema}' exists in {databases.Environment.DataDatabaseText} but belongs to {owner}.",
                        $"`ALTER SCHEMA {schema} OWNER TO {SchemaOwnerRole};` as a superuser, or give the tenant another schema while it is a draft.");
                }
                else if (await RecordResourceAsync(tenant.Code, "schema", schema, runId, adopted: true, cancellationToken))
                {
                    // The seed: an existing schema is safe; it is kept and completed.
                    did.Add($"kept existing schema {schema}");
                }
                did.AddRange(await GrantSchemaUsageAsync(data, schema, cancellationToken));
            }
        }
        did.AddRange(await EnsureTenantContextAsync(databases.Data, cancellationToken));
        if (catalog.DatabankOf(tenant.Code) is { } databank)
        {
            var (applied, repaired) = await ApplyModuleAsync(databases.Data, new MigrationTarget(schema, tenant.Code, Placeholders), databank, "schema:databank", null, rerun: false, cancellationToken);
            if (applied.Count > 0) did.Add($"databank {databank.Manifest.Tenant} {databank.Version}: applied {applied.Count} script(s)");
            if (repaired.Count > 0) did.Add($"repaired {string.Join(", ", repaired)}");
        }
        return did.Count > 0 ? (true, string.Join("; ", did)) : (false, $"schema {schema} complete");
    }

    /// <summary>Step 3: the tenant's own database (schema tenants share the platform database).</summary>
    private async Task<(bool, string)> EnsureDatabaseAsync(Tenant tenant, Guid runId, bool adopt, bool useTemplate, CancellationToken cancellationToken)
    {
        var database = tenant.DbName;
        if (database == databases.Environment.PlatformDatabase) return (false, $"shares the platform database {database}");
        var did = new List<string>();
        var server = tenant.DatabaseServer;
        var ownerRole = databases.OwnerRoleOn(server);
        var on = server == FleetServer.Home ? "" : $" on server {server}";
        await using var data = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
        var owner = await data.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = @database", new { database }, cancellationToken: cancellationToken));
        var recordedFor = await ResourceOwnerAsync("database", database, cancellationToken);
        if (recordedFor is not null && recordedFor != tenant.Code)
        {
            throw new ProvisioningException($"Database '{database}' belongs to tenant '{recordedFor}'.",
                $"give '{tenant.Code}' another database while it is a draft (`./ipai tenant update {tenant.Code} --db-name …`).");
        }
        if (owner is null)
        {
            var template = useTemplate ? await EnsureTemplateAsync(tenant, did, cancellationToken) : null;
            await RecordResourceAsync(tenant.Code, "database", database, runId, adopted: false, cancellationToken);
            faults.Hit("database:recorded");
            await data.ExecuteAsync(new CommandDefinition(
                $"CREATE DATABASE {Sql.Identifier(database)} OWNER {Sql.Identifier(ownerRole)} ENCODING 'UTF8' TEMPLATE {Sql.Identifier(template ?? "template0")}",
                cancellationToken: cancellationToken));
            did.Add(template is null ? $"created database {database}{on}" : $"created database {database}{on} from {template}");
            faults.Hit("database:created");
        }
        else if (recordedFor is null)
        {
            if (!adopt)
            {
                throw new ProvisioningException(
                    $"Database '{database}' already exists, and no provisioning record says it was created for tenant '{tenant.Code}' (it may hold another tenant's data, e.g. of a deleted registry row).",
                    $"if it is this tenant's, take it over with `./ipai tenant provision {tenant.Code} --adopt`; if not, keep a copy first " +
                    $"(`pg_dump -Fc -d {database} -f {database}.dump`), then drop it (`./ipai psql postgres -c 'DROP DATABASE {database}'`) and provision again. " +
                    "(A database this platform created and a run left half-done is not refused: the next run resumes it.)");
            }
            if (owner != ownerRole)
            {
                throw new ProvisioningException($"Database '{database}'{on} belongs to {owner}: `ALTER DATABASE {database} OWNER TO {ownerRole};` as a superuser, then adopt it.");
            }
            await RecordResourceAsync(tenant.Code, "database", database, runId, adopted: true, cancellationToken);
            did.Add($"adopted existing database {database}");
        }
        // Only the platform's roles may connect (also completes a run killed right after CREATE DATABASE).
        if (await GrantConnectAsync(data, database, source.Names, cancellationToken)) did.Add("granted CONNECT to the platform's roles only");
        return did.Count > 0 ? (true, string.Join("; ", did)) : (false, $"database {database} exists{on}");
    }

    /// <summary>
    /// Makes <paramref name="database"/> connectable by the platform's runtime roles only (PUBLIC's CONNECT revoked);
    /// true when it had to change something. <paramref name="maintenance"/>: a connection to the database's server.
    /// </summary>
    internal static async Task<bool> GrantConnectAsync(NpgsqlConnection maintenance, string database, PlatformOptions names, CancellationToken cancellationToken)
    {
        var roles = await RuntimeRoleGuard.ExistingRuntimeRolesAsync(maintenance, names, cancellationToken);
        var connectable = await maintenance.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT NOT has_database_privilege('public', @database, 'CONNECT') AND bool_and(has_database_privilege(r, @database, 'CONNECT')) IS NOT false FROM unnest(@roles::text[]) r",
            new { database, roles = roles.ToArray() }, cancellationToken: cancellationToken));
        if (connectable) return false;
        await maintenance.ExecuteAsync(new CommandDefinition($"REVOKE ALL ON DATABASE {Sql.Identifier(database)} FROM PUBLIC", cancellationToken: cancellationToken));
        foreach (var role in roles)
        {
            await maintenance.ExecuteAsync(new CommandDefinition($"GRANT CONNECT ON DATABASE {Sql.Identifier(database)} TO {Sql.Identifier(role)}", cancellationToken: cancellationToken));
        }
        return true;
    }

    /// <summary>
    /// The template database for this tenant's database modules, built if missing; the modules step then finds
    /// every script applied. Returns null (slow path) when the owner may not make templates here.
    /// </summary>
    private async Task<string?> EnsureTemplateAsync(Tenant tenant, List<string> did, CancellationToken cancellationToken)
    {
        var modules = await DatabaseModulesAsync(tenant, cancellationToken);
        var name = DatabaseTemplates.NameFor(TenantContext.Migrations, modules);
        try
        {
            var built = await templates.EnsureAsync(tenant.DatabaseServer, name, async template =>
            {
                await EnsureTenantContextAsync(template, cancellationToken);
                foreach (var module in modules)
                {
                    await MigrationRunner.ApplyAsync(template, new MigrationTarget("public", null, Placeholders), module.Scope, module.Migrations, null, cancellationToken);
                }
            }, faults.Hit, cancellationToken);
            if (built) did.Add($"built template {name}");
            return name;
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InsufficientPrivilege)
        {
            did.Add($"no template ({e.MessageText}): ran the migrations instead");
            return null;
        }
    }

    /// <summary>The template database this build provisions <paramref name="tenant"/>'s database from (<see cref="DatabaseTemplates.NameFor"/>).</summary>
    public async Task<string> TemplateNameAsync(Tenant tenant, CancellationToken cancellationToken) =>
        DatabaseTemplates.NameFor(TenantContext.Migrations, await DatabaseModulesAsync(tenant, cancellationToken));

    /// <summary>The tenant's modules, the base ones and those it asked for, in install order.</summary>
    private async Task<IReadOnlyList<Module>> ModulesOfAsync(Tenant tenant, CancellationToken cancellationToken) =>
        catalog.InstallOrder(ModuleCatalog.BaseModules.Concat(await tenantModules.ListAsync(tenant.Code, cancellationToken)));

    private async Task<IReadOnlyList<Module>> DatabaseModulesAsync(Tenant tenant, CancellationToken cancellationToken) =>
        (await ModulesOfAsync(tenant, cancellationToken))
            .Where(m => m.Target == ModuleTarget.Database)
            .ToList();

    /// <summary>
    /// The fingerprint of this build's tenant scripts (tenant context, every module's and databank's migrations,
    /// by name and checksum), recorded with each succeeded run: a tenant whose last run recorded another one was
    /// provisioned by another build, and <c>up</c> migrates it.
    /// </summary>
    public string ScriptsFingerprint => _scriptsFingerprint ??= Migration.Fingerprint(
        TenantContext.Migrations.Select(m => (TenantContext.Scope, m)).Concat(catalog.AllWithDatabanks.SelectMany(module => module.Migrations.Select(m => (module.Scope, m)))));

    private string? _scriptsFingerprint;

    /// <summary>Step 4: base and extra modules, in dependency order, each into its target; then the tenant's module records and BI parameters.</summary>
    private async Task<(bool, string)> EnsureModulesAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var modules = await ModulesOfAsync(tenant, cancellationToken);
        var tenantDatabase = databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName);
        var did = new List<string>(await EnsureTenantContextAsync(tenantDatabase, cancellationToken));
        var first = true;
        // A repaired table was dropped with CASCADE, which also took the foreign keys of modules that depend on it:
        // their re-runnable scripts run again too (install order puts them after it).
        var repairedModules = new HashSet<string>(StringComparer.Ordinal);
        foreach (var module in modules)
        {
            var (database, target) = module.Target == ModuleTarget.Database
                ? (tenantDatabase, new MigrationTarget("public", tenant.Code, Placeholders))
                : (databases.Data, new MigrationTarget(tenant.SupabaseSchema, tenant.Code, Placeholders));
            var rerun = module.Manifest.Depends.FirstOrDefault(repairedModules.Contains);
            var (applied, repaired) = await ApplyModuleAsync(database, target, module, first ? "modules:migration" : null, first ? "modules:uncommitted" : null, rerun is not null, cancellationToken);
            if (applied.Count > 0)
            {
                first = false;
                did.Add($"{module.Name} {module.Version} ({applied.Count} script(s))");
            }
            if (repaired.Count > 0) did.Add($"repaired {module.Name}: {string.Join(", ", repaired)}");
            if (rerun is not null) did.Add($"re-ran {module.Name} after repairing {rerun}");
            if (repaired.Count > 0 || rerun is not null) repairedModules.Add(module.Name);
        }
        faults.Hit("modules:installed");
        var recorded = await RecordModulesAsync(tenantDatabase, tenant, modules, cancellationToken);
        if (recorded > 0) did.Add($"recorded {recorded} module/parameter row(s)");
        return did.Count > 0
            ? (true, string.Join("; ", did))
            : (false, $"{string.Join(", ", modules.Select(m => m.Name))} installed");
    }

    /// <summary>
    /// The isolation gate: the isolation lint over the tenant's database and schema; any ERROR stops the run before
    /// the tenant can become Active, naming the object, the fix and the migration that introduced it. Drift is
    /// repaired first: a store with an ERROR (RLS disabled or not forced, a policy dropped, a tenant-context function
    /// changed by hand…) gets its scripts applied again — its tenant context, its databank, its modules; they are
    /// re-runnable — and the lint runs again; what remains stops the run. With <paramref name="repairAll"/> both
    /// stores get their scripts again whatever the lint found.
    /// </summary>
    private async Task<(bool, string)> EnsureIsolatedAsync(Tenant tenant, bool repairAll, CancellationToken cancellationToken)
    {
        var findings = await isolationLint.CheckTenantAsync(tenant, cancellationToken);
        var errors = findings.Where(IsolationLint.CallsForRepair).ToList();
        List<TenantStore> stores = repairAll
            ? [TenantStore.Database, TenantStore.Schema]
            : errors.Select(f => StoreOf(tenant, f)).OfType<TenantStore>().Distinct().Order().ToList();
        if (stores.Count == 0) return (false, await IsolationGateAsync(tenant, findings, cancellationToken));
        int scripts;
        try
        {
            scripts = await ApplyStoreScriptsAgainAsync(tenant, stores, cancellationToken);
        }
        catch (MigrationFailedException e)
        {
            // What the lint found stands, and why the repair could not put it right.
            await IsolationGateAsync(tenant, findings, cancellationToken, $" Applying the scripts of the store again to repair it failed: {e.Message}");
            throw;
        }
        var gate = await IsolationGateAsync(tenant, await isolationLint.CheckTenantAsync(tenant, cancellationToken), cancellationToken);
        var repaired = errors.Select(f => f.Lint).Distinct(StringComparer.Ordinal).ToList();
        return (true, $"applied the {scripts} script(s) of its {string.Join(" and ", stores.Select(s => s.ToString().ToLowerInvariant()))} store again" +
            (repaired.Count > 0 ? $", repairing {string.Join(", ", repaired)}" : "") + $"; {gate}");
    }

    /// <summary>The store an isolation finding is in: the tenant's database, its schema's (the data) database, or neither (the server's).</summary>
    private TenantStore? StoreOf(Tenant tenant, IsolationFinding finding) =>
        finding.Database == tenant.DbName ? TenantStore.Database
        : finding.Database == databases.Environment.DataDatabase ? TenantStore.Schema
        : null;

    /// <summary>
    /// Runs every applied script of the tenant's <paramref name="stores"/> again (<see cref="MigrationRunner.ReapplyAsync"/>,
    /// the journal left as it is): the tenant context of the store's database, then the databank (schema store) and the
    /// modules in install order; returns how many scripts ran.
    /// </summary>
    private async Task<int> ApplyStoreScriptsAgainAsync(Tenant tenant, IReadOnlyList<TenantStore> stores, CancellationToken cancellationToken)
    {
        var modules = await ModulesOfAsync(tenant, cancellationToken);
        var scripts = 0;
        foreach (var store in stores)
        {
            var (database, schema, target) = store == TenantStore.Database
                ? (databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName), "public", ModuleTarget.Database)
                : (databases.Data, tenant.SupabaseSchema, ModuleTarget.Schema);
            scripts += (await MigrationRunner.ReapplyAsync(database, MigrationTarget.Public with { Placeholders = Placeholders }, TenantContext.Scope,
                TenantContext.Migrations, cancellationToken)).Count;
            var storeModules = modules.Where(m => m.Target == target);
            if (store == TenantStore.Schema) storeModules = storeModules.Prepend(catalog.DatabankOf(tenant.Code)).OfType<Module>();
            foreach (var module in storeModules)
            {
                scripts += (await MigrationRunner.ReapplyAsync(database, new MigrationTarget(schema, tenant.Code, Placeholders), module.Scope, module.Migrations, cancellationToken)).Count;
            }
        }
        return scripts;
    }

    /// <summary>
    /// Throws when <paramref name="findings"/> hold an ERROR (naming each, its fix and the script that introduced it,
    /// then <paramref name="andThen"/>); else says how many warnings.
    /// </summary>
    private async Task<string> IsolationGateAsync(Tenant tenant, IReadOnlyList<IsolationFinding> findings, CancellationToken cancellationToken, string? andThen = null)
    {
        var errors = findings.Where(IsolationLint.CallsForRepair).ToList();
        if (errors.Count > 0)
        {
            var modules = (await ModulesOfAsync(tenant, cancellationToken))
                .Prepend(catalog.DatabankOf(tenant.Code)).OfType<Module>().ToList();
            throw new ProvisioningException(
                $"The isolation lint found {errors.Count} error(s) in tenant '{tenant.Code}', which stays unfinished: " +
                string.Join(" ", errors.Select(f => $"[{f.Lint}] {f.Database}/{f.ObjectName}: {f.Detail} Fix: {f.Fix}{IntroducedBy(f, modules)}")) +
                $" See `./ipai lint --tenant {tenant.Code}`." + andThen);
        }
        var warnings = findings.Count(f => f.Level == IsolationLevel.Warn);
        return warnings == 0 ? "isolation lint: no error or warning" : $"isolation lint: no error, {warnings} warning(s) (`./ipai lint --tenant {tenant.Code}`)";
    }

    /// <summary>
    /// " (introduced by scope/migration)": the last script, in install order, that creates or alters the object (a
    /// later script that only reads it, e.g. a view joining a table, did not introduce it); else the last that names it.
    /// </summary>
    private static string IntroducedBy(IsolationFinding finding, IReadOnlyList<Module> modules)
    {
        var name = finding.ObjectName.Split('.')[^1].Split('(')[0];
        if (name.Length == 0) return "";
        var escaped = System.Text.RegularExpressions.Regex.Escape(name);
        var defines = new System.Text.RegularExpressions.Regex(
            $@"\b(CREATE|ALTER)\s+(OR\s+REPLACE\s+)?(TABLE|VIEW|MATERIALIZED\s+VIEW|FUNCTION|POLICY\s+\w+\s+ON)\s+(IF\s+(NOT\s+)?EXISTS\s+)?{escaped}\b",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        var names = new System.Text.RegularExpressions.Regex($@"\b{escaped}\b", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        var scripts = modules.SelectMany(m => m.Migrations.Select(migration => (m.Scope, migration))).ToList();
        var script = scripts.LastOrDefault(x => defines.IsMatch(x.migration.Sql));
        if (script.migration is null) script = scripts.LastOrDefault(x => names.IsMatch(x.migration.Sql));
        return script.migration is null ? "" : $" (introduced by {script.Scope}/{script.migration.Id})";
    }

    /// <summary>Step 5: the admin user in the tenant's database, its password hashed, never printed.</summary>
    private async Task<(bool, string)> EnsureAdminAsync(Tenant tenant, Task<(string Password, string Source, string Hash)>? hashAhead, CancellationToken cancellationToken)
    {
        var (password, passwordSource) = adminPassword.For(tenant.Code);
        await using var connection = await databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName).OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantContext.SetAsync(connection, transaction, tenant.Code, cancellationToken);
        var hash = await connection.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            "SELECT password_hash FROM res_users WHERE tenant_id = @code AND login = @AdminLogin", new { code = tenant.Code, AdminLogin }, transaction, cancellationToken: cancellationToken));
        string detail;
        long? adminId = null;
        if (hash is null)
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO res_users (login, name, email, password_hash, active, is_admin)
                VALUES (@AdminLogin, 'Administrator', @email, @hash, true, true)
                """, new { AdminLogin, email = tenant.AdminEmail, hash = hashAhead is null ? PasswordHash.Of(password) : (await hashAhead).Hash }, transaction, cancellationToken: cancellationToken));
            detail = $"created user {AdminLogin} (password from {passwordSource})";
        }
        else if (!PasswordHash.Verify(hash, password))
        {
            adminId = await connection.ExecuteScalarAsync<long>(new CommandDefinition(
                "UPDATE res_users SET password_hash = @hash, write_date = now() WHERE tenant_id = @code AND login = @AdminLogin RETURNING id",
                new { code = tenant.Code, AdminLogin, hash = PasswordHash.Of(password) }, transaction, cancellationToken: cancellationToken));
            detail = $"set the password of {AdminLogin} (from {passwordSource}); ended their sessions";
        }
        else
        {
            return (false, $"user {AdminLogin} exists with the password from {passwordSource}");
        }
        faults.Hit("admin:uncommitted");
        await transaction.CommitAsync(cancellationToken);
        // A password set ends the sessions signed in with the old one (a crash before this leaves them to the recheck).
        if (adminId is { } id) await sessions.EndUserAsync(tenant.Code, id, SessionEnd.PasswordSet, cancellationToken);
        return (true, detail);
    }

    /// <summary>
    /// Applies a module's missing scripts, then checks that every table and view it declares exists; when one is
    /// missing (dropped by hand), or <paramref name="rerun"/> says a module it depends on was repaired, the module's
    /// re-runnable scripts run again and the check is repeated. The fault points are hit after each committed script
    /// (<paramref name="faultPoint"/>) and before each commit (<paramref name="uncommittedPoint"/>).
    /// </summary>
    private async Task<(IReadOnlyList<string> Applied, IReadOnlyList<string> Repaired)> ApplyModuleAsync(
        NpgsqlDataSource database, MigrationTarget target, Module module, string? faultPoint, string? uncommittedPoint, bool rerun, CancellationToken cancellationToken)
    {
        var applied = await MigrationRunner.ApplyAsync(database, target, module.Scope, module.Migrations,
            faultPoint is null ? null : _ => faults.Hit(faultPoint), cancellationToken,
            uncommittedPoint is null ? null : _ => faults.Hit(uncommittedPoint));
        var missing = await MissingRelationsAsync(database, target.Schema, module, cancellationToken);
        if (missing.Count == 0 && !rerun) return (applied, []);
        await MigrationRunner.ForgetAsync(database, target, module.Scope, cancellationToken);
        await MigrationRunner.ApplyAsync(database, target, module.Scope, module.Migrations, null, cancellationToken);
        var stillMissing = await MissingRelationsAsync(database, target.Schema, module, cancellationToken);
        if (stillMissing.Count > 0)
        {
            throw new ProvisioningException($"{module.Name} declares {string.Join(", ", stillMissing)} in its manifest, but its scripts do not create them: fix the module.");
        }
        return (applied, missing);
    }

    private static async Task<IReadOnlyList<string>> MissingRelationsAsync(NpgsqlDataSource database, string schema, Module module, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var present = (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relkind IN ('r', 'p', 'v', 'm')",
            new { schema }, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
        return module.Relations.Where(r => !present.Contains(r)).ToList();
    }

    /// <summary>The tenant-context function's migrations on <paramref name="database"/>; says which it applied (none: empty).</summary>
    private async Task<IReadOnlyList<string>> EnsureTenantContextAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        var applied = await MigrationRunner.ApplyAsync(database, MigrationTarget.Public with { Placeholders = Placeholders }, TenantContext.Scope,
            TenantContext.Migrations, null, cancellationToken);
        if (applied.Count > 0) await TenantContext.RecordDefinitionsAsync(database, cancellationToken);
        return applied.Count > 0 ? [$"tenant context: applied {string.Join(", ", applied)}"] : [];
    }

    /// <summary>ir_module_module rows and (unless <paramref name="modulesOnly"/>) the superset.* parameters of this tenant; returns the rows written.</summary>
    private static async Task<int> RecordModulesAsync(NpgsqlDataSource tenantDatabase, Tenant tenant, IReadOnlyList<Module> modules, CancellationToken cancellationToken, bool modulesOnly = false)
    {
        await using var connection = await tenantDatabase.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantContext.SetAsync(connection, transaction, tenant.Code, cancellationToken);
        var written = 0;
        foreach (var module in modules)
        {
            written += await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO ir_module_module (name, version, state, installed_at, write_date) VALUES (@name, @version, 'installed', now(), now())
                ON CONFLICT (tenant_id, name) DO UPDATE SET version = excluded.version, state = 'installed', write_date = now()
                WHERE ir_module_module.version <> excluded.version OR ir_module_module.state <> 'installed'
                """, new { name = module.Name, version = module.Version }, transaction, cancellationToken: cancellationToken));
        }
        if (modulesOnly)
        {
            await transaction.CommitAsync(cancellationToken);
            return written;
        }
        var baseUrl = (tenant.SupersetBaseUrl ?? "https://superset.insightpulseai.com").TrimEnd('/');
        foreach (var (key, value) in new[] { ("superset.domain", baseUrl), ("superset.api_url", baseUrl + "/api/v1"), ("superset.workspace", tenant.SupersetWorkspace ?? tenant.Code) })
        {
            // Set once: an administrator's later change of a parameter stands.
            written += await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO ir_config_parameter (key, value) VALUES (@key, @value) ON CONFLICT (tenant_id, key) DO NOTHING",
                new { key, value }, transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return written;
    }

    private async Task<IReadOnlyList<string>> GrantSchemaUsageAsync(NpgsqlConnection data, string schema, CancellationToken cancellationToken)
    {
        var did = new List<string>();
        foreach (var role in await RuntimeRoleGuard.ExistingRuntimeRolesAsync(data, source.Names, cancellationToken))
        {
            var has = await data.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT has_schema_privilege(@role, @schema, 'USAGE')", new { role, schema }, cancellationToken: cancellationToken));
            if (has) continue;
            await data.ExecuteAsync(new CommandDefinition($"GRANT USAGE ON SCHEMA {Sql.Identifier(schema)} TO {Sql.Identifier(role)}", cancellationToken: cancellationToken));
            did.Add($"granted {role} USAGE on {schema}");
        }
        return did;
    }

    private Task<bool> RecordResourceAsync(string code, string kind, string name, Guid runId, bool adopted, CancellationToken cancellationToken) =>
        TenantResourceLedger.RecordAsync(databases.Platform, code, kind, name, runId, adopted, cancellationToken);

    private async Task<string?> ResourceOwnerAsync(string kind, string name, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT tenant_code FROM ipai_tenant_resource WHERE kind = @kind AND name = @name", new { kind, name }, cancellationToken: cancellationToken));
    }

    private async Task<string> DescribeRunningAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var run = await connection.QueryFirstOrDefaultAsync<(Guid Id, DateTimeOffset StartedAt, string? Host, int? Pid)>(new CommandDefinition(
            "SELECT id, started_at, host, pid FROM ipai_provision_run WHERE tenant_code = @code AND finished_at IS NULL ORDER BY started_at DESC LIMIT 1",
            new { code }, cancellationToken: cancellationToken));
        return run.Id == Guid.Empty
            ? "another run"
            : $"run {run.Id} (started {run.StartedAt:u} on {run.Host}, pid {run.Pid})";
    }

    private static async Task JournalAsync(NpgsqlConnection journal, string sql, object parameters, CancellationToken cancellationToken) =>
        await journal.ExecuteAsync(new CommandDefinition(sql, parameters, cancellationToken: cancellationToken));
}
