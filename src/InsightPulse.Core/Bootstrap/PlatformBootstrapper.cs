using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Demo;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.ScoutData;
using InsightPulse.Core.Servers;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Bootstrap;

/// <summary>
/// <c>./ipai up</c> without serving: the managed cluster (unless POSTGRES_URL), the roles, the platform database,
/// the platform migrations, the seed tenants, their provisioning and, when asked, their demo data. Every step looks
/// at the real state first, so a second run changes nothing; an advisory lock on the server makes two runs at once
/// take turns.
/// </summary>
public sealed class PlatformBootstrapper(
    PlatformEnvironmentSource source, PlatformDatabases databases, TenantSeedLoader seeds, TenantRegistry registry, TenantProvisioner provisioner, FleetMigrator fleet, DemoData demo,
    IsolationLint isolationLint, AuditLog audit)
{
    /// <summary>
    /// Options of <c>up</c>: <see cref="ProvisionTenants"/> false stops after the registry (<c>--no-provision</c>);
    /// <see cref="LoadDemo"/> loads demo data into each active tenant that never had any (<see cref="DemoData.DueAtUpAsync"/>).
    /// The CLI's <c>up</c> (and so <c>make up</c>) asks for demo data unless <c>--without-demo</c>; callers of this
    /// service, tests among them, opt in, so that a platform set up for other purposes holds only its own rows.
    /// <see cref="Actor"/>: who runs it (the CLI's <c>up</c>: <see cref="AuditActor.CommandLine"/>); with one, the seed
    /// tenants it registers and the provisioning runs and repairs it makes go to the audit trail (detail <c>by: up</c>).
    /// </summary>
    public sealed record Options(bool ProvisionTenants = true, bool LoadDemo = false, AuditActor? Actor = null);

    public Task<IReadOnlyList<StepResult>> UpAsync(Action<StepResult>? onStep, CancellationToken cancellationToken) =>
        UpAsync(new Options(), onStep, cancellationToken);

    public async Task<IReadOnlyList<StepResult>> UpAsync(Options options, Action<StepResult>? onStep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var results = new List<StepResult>();
        async Task Step(string name, Func<Task<(bool Acted, string Detail)>> work, bool canFailAlone = false)
        {
            var clock = Stopwatch.StartNew();
            StepResult result;
            try
            {
                var (acted, detail) = await work();
                result = new StepResult(name, acted, detail, clock.Elapsed);
            }
            catch (Exception e) when (canFailAlone && e is ProvisioningException or MigrationFailedException or MigrationChecksumException or DemoDataException or ScoutDataException or PostgresException)
            {
                result = new StepResult(name, false, "failed", clock.Elapsed, e is PostgresException ? PostgresErrors.Describe(e) : e.Message);
            }
            results.Add(result);
            onStep?.Invoke(result);
        }

        if (source.Mode == PlatformMode.Managed)
        {
            var cluster = source.Cluster;
            await Step("cluster", async () => await cluster.EnsureInitializedAsync(cancellationToken)
                ? (true, $"initialized PostgreSQL in {cluster.State!.ClusterDir}")
                : (false, $"exists in {cluster.State!.ClusterDir}"));
            await Step("server", async () => await cluster.EnsureStartedAsync(cancellationToken)
                ? (true, $"started on 127.0.0.1:{cluster.State!.Port}")
                : (false, $"running on 127.0.0.1:{cluster.State!.Port}"));
            cluster.Secrets.GetOrCreate(PlatformEnvironment.OwnerSecret);
            await databases.ResetAsync();
        }

        var environment = source.Current;
        environment.RequireSession("`./ipai up` (roles, databases, migrations, provisioning)");
        var names = source.Names;
        var dataAtHome = environment.DataServer == FleetServer.Home;
        await using var admin = new NpgsqlConnection(environment.Server.ConnectionString(dataAtHome ? environment.DataDatabase : environment.HomeDatabase, environment.Bootstrap));
        await OpenAsync(admin, environment, cancellationToken);
        await using (await AdvisoryLock.AcquireAsync(admin, "ipai:bootstrap", cancellationToken))
        {
            // With a pooler the login name may differ from the role (Supabase: postgres.<project-ref> is role postgres).
            var owner = environment.Mode == PlatformMode.Managed
                ? names.OwnerRole
                : await admin.ExecuteScalarAsync<string>(new CommandDefinition("SELECT current_user", cancellationToken: cancellationToken)) ?? environment.Owner.Username;
            await Step("roles", () => EnsureRolesAsync(admin, environment, names, cancellationToken));
            await Step("platform database", () => EnsurePlatformDatabaseAsync(admin, environment, owner, names, cancellationToken));
            if (dataAtHome) await Step("data database", () => EnsureDataDatabaseAsync(admin, environment, owner, cancellationToken));
        }

        await Step("migrations", async () =>
        {
            var applied = await MigrationRunner.ApplyAsync(databases.Platform, PlatformTarget(names), PlatformScope, PlatformScripts(), null, cancellationToken);
            return applied.Count > 0 ? (true, $"applied {string.Join(", ", applied)}") : (false, "all applied");
        });
        // A data database on a server of its own needs that server in the fleet (ipai_server, made by the migrations).
        if (!dataAtHome) await Step("data database", () => EnsureDataDatabaseOnItsServerAsync(environment, names, cancellationToken));
        await Step("seed tenants", async () =>
        {
            var loaded = await seeds.LoadAsync(cancellationToken);
            if (options.Actor is { } actor)
            {
                foreach (var code in loaded) await audit.RecordAsync(new AuditEvent(actor, AuditActions.TenantCreated, code, new { By = "up", Seed = true }), AuditOutcome.Succeeded);
            }
            return loaded.Count > 0 ? (true, $"registered {string.Join(", ", loaded)}") : (false, "already loaded");
        });
        // Tenants not provisioned yet (new drafts, runs that crashed), and active tenants that are not current
        // (FleetMigrator.CurrentAsync: last provisioned by a build with other tenant scripts, after a `git pull`
        // brought new module or tenant-context scripts; a last run that failed; a module asked for since): they get
        // a run here. Current tenants are left alone.
        if (!options.ProvisionTenants) return results;
        var current = await fleet.CurrentAsync(cancellationToken);
        var tenants = await registry.ListAsync(cancellationToken);
        var provisioned = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tenant in tenants)
        {
            var draft = tenant.State is TenantState.Draft or TenantState.Provisioning;
            var behind = tenant.State == TenantState.Active && !current.Contains(tenant.Code);
            if (!draft && !behind) continue;
            provisioned.Add(tenant.Code);
            await Step($"tenant {tenant.Code}", async () =>
            {
                var run = await AuditedAsync(options, AuditActions.TenantProvisioned, tenant.Code,
                    () => provisioner.ProvisionAsync(tenant.Code, new TenantProvisioner.Options(), null, null, cancellationToken));
                var acted = string.Join(", ", run.Steps.Where(s => s.Acted).Select(s => s.Step));
                return (run.Changed, draft ? $"provisioned: {acted}"
                    : run.Changed ? $"migrated to this build's scripts: {acted}" : "checked against this build's scripts: up to date");
            }, canFailAlone: true); // one tenant's trouble does not keep the platform and the other tenants down
        }
        // The active tenants that got no run above (their state as listed: nothing above changed it).
        await RepairDriftAsync(tenants.Where(t => t.State == TenantState.Active && !provisioned.Contains(t.Code)).Select(t => t.Code).ToHashSet(StringComparer.Ordinal),
            options, Step, cancellationToken);
        if (options.LoadDemo) await LoadDemoAsync(Step, cancellationToken);
        return results;
    }

    /// <summary>
    /// Drift: the isolation lint over every tenant, and a run for each of <paramref name="candidates"/> (the active
    /// tenants that got no run above) it finds drift in (a row-level security disabled or not forced, a policy dropped,
    /// a tenant-context function changed by hand); the run's isolation step applies the wrong store's scripts again
    /// (<c>TenantProvisioner</c>).
    /// </summary>
    private async Task RepairDriftAsync(HashSet<string> candidates, Options options, Func<string, Func<Task<(bool Acted, string Detail)>>, bool, Task> step, CancellationToken cancellationToken)
    {
        var report = await isolationLint.RunAsync(null, cancellationToken);
        var drifted = report.Findings.Where(IsolationLint.CallsForRepair)
            .SelectMany(f => f.Tenant.Split(',', StringSplitOptions.RemoveEmptyEntries))
            .Where(candidates.Contains).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        foreach (var code in drifted)
        {
            await step($"tenant {code}", async () =>
            {
                var repaired = await AuditedAsync(options, AuditActions.TenantRepaired, code,
                    () => provisioner.ProvisionAsync(code, new TenantProvisioner.Options(), null, null, cancellationToken));
                return (repaired.Changed, "repaired drift: " + string.Join("; ", repaired.Steps.Where(s => s.Acted).Select(s => s.Detail)));
            }, true); // one tenant's trouble does not keep the platform and the other tenants down
        }
    }

    /// <summary>A provisioning run of <c>up</c>, recorded in the audit trail when <see cref="Options.Actor"/> says who runs it.</summary>
    private Task<ProvisionResult> AuditedAsync(Options options, string action, string code, Func<Task<ProvisionResult>> run) =>
        options.Actor is { } actor
            ? audit.TrackAsync(new AuditEvent(actor, action, code, new { By = "up" }), run, r => r.AuditDetail())
            : run();

    /// <summary>
    /// Demo data for each active tenant that never had any (a step per tenant, <c>+</c>), or one step saying that
    /// there was nothing to do (<c>=</c>): a tenant's demo data is loaded once, and never again after <c>demo remove</c>.
    /// </summary>
    private async Task LoadDemoAsync(Func<string, Func<Task<(bool Acted, string Detail)>>, bool, Task> step, CancellationToken cancellationToken)
    {
        var due = await demo.DueAtUpAsync(cancellationToken);
        foreach (var tenant in due)
        {
            await step($"demo {tenant.Tenant}", async () =>
            {
                var result = await demo.LoadAsync(tenant.Tenant, cancellationToken);
                return (result.Acted, result.Detail);
            }, true); // demo data that cannot be loaded is reported, and the platform is up all the same
        }
        if (due.Count == 0)
        {
            await step("demo data", async () =>
            {
                var status = await demo.StatusAsync(cancellationToken);
                string Codes(DemoState state) => string.Join(", ", status.Where(s => s.State == state).Select(s => s.Tenant));
                var parts = new List<string>();
                if (Codes(DemoState.Loaded) is { Length: > 0 } loaded) parts.Add($"loaded before: {loaded}");
                if (Codes(DemoState.Removed) is { Length: > 0 } removed) parts.Add($"removed by the operator: {removed}");
                if (status.Any(s => s.State == DemoState.NotLoaded)) parts.Add($"not active yet: {Codes(DemoState.NotLoaded)}");
                return (false, parts.Count > 0 ? string.Join("; ", parts) + " (`./ipai demo status`)" : "no tenant has demo data");
            }, false);
        }
    }

    /// <summary>The journal scope of the platform database's own scripts.</summary>
    public const string PlatformScope = "platform";

    /// <summary>The platform database's scripts this build ships (db/platform), in order: what `up` applies and `doctor` expects applied.</summary>
    public static IReadOnlyList<Migration> PlatformScripts() => Migration.FromResources(typeof(PlatformBootstrapper).Assembly, "platform/");

    /// <summary>
    /// Where the platform scripts run: the platform database's public schema, no tenant, and the runtime role's name
    /// as <c>${app_role}</c> (the audit trail grants it INSERT only). The role must exist: `up` creates it first.
    /// </summary>
    public static MigrationTarget PlatformTarget(PlatformOptions names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return MigrationTarget.Public with { Placeholders = new Dictionary<string, string> { ["app_role"] = Sql.Identifier(names.AppRole) } };
    }

    private static async Task OpenAsync(NpgsqlConnection connection, PlatformEnvironment environment, CancellationToken cancellationToken)
    {
        try
        {
            await connection.OpenAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new PlatformNotReadyException(
                $"Cannot connect to {environment.Description}: {PostgresErrors.Describe(e)}", e);
        }
    }

    /// <summary>
    /// Managed: the owner (not a superuser, so FORCE'd RLS binds it too), and in both modes the runtime and BI
    /// roles, which log in, own nothing, and never bypass RLS (<see cref="ServerRoles"/>).
    /// </summary>
    private async Task<(bool, string)> EnsureRolesAsync(NpgsqlConnection admin, PlatformEnvironment environment, PlatformOptions names, CancellationToken cancellationToken)
    {
        var roles = new List<(string Role, string Attributes)> { (names.AppRole, ServerRoles.LoginAttributes), (names.BiRole, ServerRoles.LoginAttributes) };
        if (environment.Mode == PlatformMode.Managed)
        {
            roles.Insert(0, (names.OwnerRole, ServerRoles.OwnerAttributes));
        }
        else
        {
            var canCreateRoles = await admin.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user", cancellationToken: cancellationToken));
            if (!canCreateRoles)
            {
                return (false, $"{environment.Owner.Username} cannot create roles: create {names.AppRole} and {names.BiRole} (LOGIN NOBYPASSRLS) yourself");
            }
        }
        var acted = new List<string>(await ServerRoles.EnsureAsync(admin, source.Cluster.Secrets, roles, resetExisting: false, cancellationToken));
        if (environment.Mode == PlatformMode.Managed)
        {
            if (await ServerRoles.EnsureOperatorRoleAsync(admin, names, names.OwnerRole, cancellationToken)) acted.Add($"{names.OperatorRole} granted to {names.OwnerRole}");
            if (await ServerRoles.EnsureSignalAsync(admin, names.OwnerRole, cancellationToken)) acted.Add($"granted {names.OwnerRole} pg_signal_backend");
        }
        return acted.Count > 0 ? (true, string.Join(", ", acted)) : (false, $"{string.Join(", ", roles.Select(r => r.Role))} exist");
    }

    private static async Task<(bool, string)> EnsurePlatformDatabaseAsync(NpgsqlConnection admin, PlatformEnvironment environment, string owner, PlatformOptions names, CancellationToken cancellationToken)
    {
        var database = environment.PlatformDatabase;
        var exists = await admin.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", new { database }, cancellationToken: cancellationToken));
        if (exists) return (false, $"{database} exists");
        await admin.ExecuteAsync(new CommandDefinition(
            $"CREATE DATABASE {Sql.Identifier(database)} OWNER {Sql.Identifier(owner)} ENCODING 'UTF8' TEMPLATE template0",
            cancellationToken: cancellationToken));
        // Only the platform's own roles may connect to it.
        await admin.ExecuteAsync(new CommandDefinition($"REVOKE ALL ON DATABASE {Sql.Identifier(database)} FROM PUBLIC", cancellationToken: cancellationToken));
        foreach (var role in names.RuntimeRoles())
        {
            var roleExists = await admin.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = @role)", new { role }, cancellationToken: cancellationToken));
            if (roleExists)
            {
                await admin.ExecuteAsync(new CommandDefinition(
                    $"GRANT CONNECT ON DATABASE {Sql.Identifier(database)} TO {Sql.Identifier(role)}", cancellationToken: cancellationToken));
            }
        }
        return (true, $"created {database} owned by {owner}");
    }

    /// <summary>
    /// The shared data database on a fleet server of its own (<see cref="PlatformOptions.DataServer"/>): the platform's
    /// owner there creates it (owned by it, so that it may create schemas in it and in its public schema; only the
    /// platform's roles may connect), or finds it made before. The server must have been added first (<c>server add</c>,
    /// which created the roles there); an existing database the owner cannot create schemas in is refused, not repaired.
    /// </summary>
    private async Task<(bool, string)> EnsureDataDatabaseOnItsServerAsync(PlatformEnvironment environment, PlatformOptions names, CancellationToken cancellationToken)
    {
        var (server, database) = (environment.DataServer, environment.DataDatabase);
        try
        {
            databases.ServerNamed(server);
        }
        catch (UnknownServerException e)
        {
            throw new UnknownServerException($"Platform:DataServer puts the shared data database on server '{server}', which is not in the fleet yet. " +
                $"Add it (the platform database is ready for that): `./ipai server add {server} --url postgres://…`, then run `./ipai up` again.", e);
        }
        var owner = databases.OwnerRoleOn(server);
        await using var maintenance = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
        var exists = await maintenance.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", new { database }, cancellationToken: cancellationToken));
        var acted = new List<string>();
        if (!exists)
        {
            try
            {
                await maintenance.ExecuteAsync(new CommandDefinition(
                    $"CREATE DATABASE {Sql.Identifier(database)} OWNER {Sql.Identifier(owner)} ENCODING 'UTF8' TEMPLATE template0", cancellationToken: cancellationToken));
                await maintenance.ExecuteAsync(new CommandDefinition($"REVOKE ALL ON DATABASE {Sql.Identifier(database)} FROM PUBLIC", cancellationToken: cancellationToken));
                acted.Add($"created {database} on server {server} owned by {owner}");
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another `up` made it a moment ago.
            }
        }
        await using (var data = await databases.Data.OpenConnectionAsync(cancellationToken))
        {
            var canCreate = await data.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT has_database_privilege(current_database(), 'CREATE') AND has_schema_privilege('public', 'CREATE')", cancellationToken: cancellationToken));
            if (!canCreate)
            {
                throw new ServerException($"The data database {database} on server {server} exists, and {owner} cannot create schemas in it (or in its public schema). " +
                    $"Name a database that does not exist yet in Platform:DataDatabase (`up` creates it), or as a superuser there run " +
                    $"`GRANT CREATE ON DATABASE {Sql.Identifier(database)} TO {Sql.Identifier(owner)}` and `GRANT CREATE ON SCHEMA public TO {Sql.Identifier(owner)}` in it.");
            }
        }
        foreach (var role in names.RuntimeRoles())
        {
            if (await maintenance.ExecuteScalarAsync<bool>(new CommandDefinition(
                    "SELECT has_database_privilege(@role, @database, 'CONNECT')", new { role, database }, cancellationToken: cancellationToken))) continue;
            await maintenance.ExecuteAsync(new CommandDefinition(
                $"GRANT CONNECT ON DATABASE {Sql.Identifier(database)} TO {Sql.Identifier(role)}", cancellationToken: cancellationToken));
            acted.Add($"granted {role} CONNECT");
        }
        return acted.Count > 0 ? (true, string.Join(", ", acted)) : (false, $"{database} on server {server}: {owner} can create schemas in it");
    }

    /// <summary>
    /// The owner creates tenant schemas in the shared data database, and its journals and the tenant-context
    /// function in its public schema (PostgreSQL 15+ gives CREATE there only to the database owner).
    /// </summary>
    private static async Task<(bool, string)> EnsureDataDatabaseAsync(NpgsqlConnection admin, PlatformEnvironment environment, string owner, CancellationToken cancellationToken)
    {
        var database = environment.DataDatabase;
        var granted = new List<string>();
        if (!await admin.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT has_database_privilege(@owner, @database, 'CREATE')", new { owner, database }, cancellationToken: cancellationToken)))
        {
            await admin.ExecuteAsync(new CommandDefinition(
                $"GRANT CONNECT, CREATE, TEMPORARY ON DATABASE {Sql.Identifier(database)} TO {Sql.Identifier(owner)}", cancellationToken: cancellationToken));
            granted.Add($"CREATE on {database}");
        }
        if (!await admin.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT has_schema_privilege(@owner, 'public', 'CREATE')", new { owner }, cancellationToken: cancellationToken)))
        {
            await admin.ExecuteAsync(new CommandDefinition(
                $"GRANT USAGE, CREATE ON SCHEMA public TO {Sql.Identifier(owner)}", cancellationToken: cancellationToken));
            granted.Add($"CREATE on {database}.public");
        }
        return granted.Count > 0
            ? (true, $"granted {owner} {string.Join(" and ", granted)}")
            : (false, $"{owner} can create schemas in {database}");
    }
}
