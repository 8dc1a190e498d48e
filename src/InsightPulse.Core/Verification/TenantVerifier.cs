using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Verification;

/// <summary>
/// The onboarding checklist's acceptance gates, run against the live system for one tenant: each gate looks for
/// itself (no gate trusts another's result), records its evidence and time, and passes or fails on its own. The gates
/// that need the web runtime (signing in at the tenant's domain, the Dashboards page, guest tokens over HTTP) are
/// added by the caller that has one (<see cref="VerifyAsync"/>'s <c>more</c>).
/// </summary>
public sealed class TenantVerifier(
    PlatformDatabases databases,
    PlatformEnvironmentSource source,
    TenantRegistry registry,
    TenantModules tenantModules,
    ModuleCatalog catalog,
    TenantProvisioner provisioner,
    IsolationLint lint,
    BiMetadata bi,
    ChartDataService charts,
    VerificationLog log)
{
    /// <summary>Where each run is recorded (the console reads a tenant's last one).</summary>
    public VerificationLog Log => log;

    /// <summary>The tenant code the probes pose as: no tenant can have it (codes may not start with '_').</summary>
    public const string ProbeTenant = "_ipai_verify_probe";

    /// <summary>The gates of this class, in the order they run.</summary>
    public static readonly IReadOnlyList<string> CoreGates = ["registry", "schema", "database", "modules", "isolation", "rls", "dashboards"];

    /// <summary>The tenants <c>verify --all</c> checks: every active one, in the registry's order.</summary>
    public async Task<IReadOnlyList<string>> ActiveTenantsAsync(CancellationToken cancellationToken) =>
        (await registry.ListAsync(cancellationToken)).Where(t => t.State == TenantState.Active).Select(t => t.Code).ToList();

    /// <summary>
    /// Runs every gate for <paramref name="code"/>; <paramref name="more"/> adds gates of the caller's (each given the
    /// tenant), appended after the core gates. A run over many tenants passes them one <paramref name="shared"/>, so
    /// that what they share (the server, the shared database's <c>public</c>) is linted once.
    /// </summary>
    public async Task<TenantVerification> VerifyAsync(
        string code, Func<Tenant, CancellationToken, IAsyncEnumerable<VerificationGate>>? more, CancellationToken cancellationToken,
        IsolationLint.SharedFindings? shared = null)
    {
        var clock = Stopwatch.StartNew();
        var tenant = await registry.GetAsync(code, cancellationToken);
        var gates = new List<VerificationGate>
        {
            await GateAsync("registry", () => RegistryAsync(tenant)),
            await GateAsync("schema", () => SchemaAsync(tenant, cancellationToken)),
            await GateAsync("database", () => DatabaseAsync(tenant, cancellationToken)),
            await GateAsync("modules", () => ModulesAsync(tenant, cancellationToken)),
            await GateAsync("isolation", () => IsolationAsync(tenant, shared, cancellationToken)),
            await GateAsync("rls", () => RlsAsync(tenant, cancellationToken)),
            await GateAsync("dashboards", () => DashboardsAsync(tenant, cancellationToken)),
        };
        if (more is not null)
        {
            await foreach (var gate in more(tenant, cancellationToken)) gates.Add(gate);
        }
        return new TenantVerification(tenant.Code, gates, clock.Elapsed);
    }

    /// <summary>Runs one gate: its (outcome, evidence), timed; an exception fails the gate with its message as evidence.</summary>
    public static async Task<VerificationGate> GateAsync(string name, Func<Task<(string Outcome, string Evidence)>> check)
    {
        ArgumentNullException.ThrowIfNull(check);
        var clock = Stopwatch.StartNew();
        try
        {
            var (outcome, evidence) = await check();
            return new VerificationGate(name, outcome, evidence, clock.Elapsed);
        }
        catch (Exception e) when (e is NpgsqlException or Errors.OperatorException or InvalidOperationException or TimeoutException or HttpRequestException)
        {
            return new VerificationGate(name, VerificationGate.Failed, Describe(e), clock.Elapsed);
        }
    }

    /// <summary>A gate's failure for the operator: a missing tenant database points at the gate that says what to do.</summary>
    private static string Describe(Exception e) => e switch
    {
        PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } missing => $"{missing.MessageText} (see the database gate)",
        PostgresException pg => PostgresErrors.Describe(pg),
        _ => e.Message,
    };

    private static (string, string) Pass(string evidence) => (VerificationGate.Passed, evidence);

    private static (string, string) Fail(string evidence) => (VerificationGate.Failed, evidence);

    private static Task<(string, string)> RegistryAsync(Tenant tenant)
    {
        var errors = TenantRules.Validate(tenant);
        if (errors.Count > 0) return Task.FromResult(Fail(string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}"))));
        if (tenant.State != TenantState.Active) return Task.FromResult(Fail($"state is {TenantLifecycle.ToText(tenant.State)}, not active"));
        var unset = new[] { ("primary_domain", tenant.PrimaryDomain), ("admin_email", tenant.AdminEmail) }
            .Where(f => string.IsNullOrWhiteSpace(f.Item2)).Select(f => f.Item1).ToList();
        return Task.FromResult(Pass($"active; every field valid (db_name {tenant.DbName}, schema {tenant.SupabaseSchema}, domain {tenant.PrimaryDomain ?? "-"})" +
            (unset.Count > 0 ? $"; optional, not set: {string.Join(", ", unset)}" : "")));
    }

    /// <summary>The seed's own check: <c>SELECT schema_name FROM information_schema.schemata WHERE schema_name = '…'</c>.</summary>
    private async Task<(string, string)> SchemaAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        await using var data = await databases.Data.OpenConnectionAsync(cancellationToken);
        var found = await data.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = @schema", new { schema = tenant.SupabaseSchema }, cancellationToken: cancellationToken));
        var query = $"SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{tenant.SupabaseSchema}'";
        return found is null
            ? Fail($"{query} returned no row in {databases.Environment.DataDatabaseText}: the schema is missing (`./ipai tenant provision {tenant.Code}` repairs it)")
            : Pass($"{query} → {found} ({databases.Environment.DataDatabaseText})");
    }

    /// <summary>The seed's own check on <c>pg_database</c>; a tenant sharing the platform database has none of its own.</summary>
    private async Task<(string, string)> DatabaseAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        if (tenant.DbName == databases.Environment.PlatformDatabase)
        {
            return (VerificationGate.Skipped, $"shares the platform database {tenant.DbName} (a schema tenant): no database of its own to check");
        }
        await using var data = await databases.Maintenance(tenant.DatabaseServer).OpenConnectionAsync(cancellationToken);
        var found = await data.ExecuteScalarAsync<string?>(new CommandDefinition(
            "SELECT datname FROM pg_database WHERE datname = @database", new { database = tenant.DbName }, cancellationToken: cancellationToken));
        var query = $"SELECT datname FROM pg_database WHERE datname = '{tenant.DbName}'";
        var on = $" on server {tenant.DatabaseServer}";
        return found is null
            ? Fail($"{query} returned no row{on}: the database is missing (`./ipai tenant provision {tenant.Code}` creates it)")
            : Pass($"{query} → {found}{on}");
    }

    /// <summary>Every module at this build's version, every script of this build applied unchanged, the last run's fingerprint this build's.</summary>
    private async Task<(string, string)> ModulesAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var modules = catalog.InstallOrder(ModuleCatalog.BaseModules.Concat(await tenantModules.ListAsync(tenant.Code, cancellationToken)));
        var problems = new List<string>();
        await using var tenantDatabase = await databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName).OpenConnectionAsync(cancellationToken);
        await using var data = await databases.Data.OpenConnectionAsync(cancellationToken);
        var journals = new Dictionary<ModuleTarget, Dictionary<(string, string), string>>
        {
            [ModuleTarget.Database] = await JournalAsync(tenantDatabase, "public", cancellationToken),
            [ModuleTarget.Schema] = await JournalAsync(data, tenant.SupabaseSchema, cancellationToken),
        };
        var scripts = 0;
        foreach (var module in modules.Append(catalog.DatabankOf(tenant.Code)).OfType<Module>())
        {
            var journal = journals[module.Target];
            foreach (var migration in module.Migrations)
            {
                scripts++;
                if (!journal.TryGetValue((module.Scope, migration.Id), out var checksum)) problems.Add($"{module.Scope}/{migration.Id} pending");
                else if (checksum != migration.Checksum) problems.Add($"{module.Scope}/{migration.Id} applied with another checksum");
            }
        }
        await using (var transaction = await tenantDatabase.BeginTransactionAsync(cancellationToken))
        {
            await TenantContext.SetAsync(tenantDatabase, transaction, tenant.Code, cancellationToken);
            var installed = (await tenantDatabase.QueryAsync<(string Name, string Version, string State)>(new CommandDefinition(
                "SELECT name, version, state FROM ir_module_module WHERE tenant_id = @code", new { code = tenant.Code }, transaction, cancellationToken: cancellationToken))).ToDictionary(m => m.Name, StringComparer.Ordinal);
            foreach (var module in modules)
            {
                if (!installed.TryGetValue(module.Name, out var row)) problems.Add($"{module.Name} not recorded as installed");
                else if (row.Version != module.Version || row.State != "installed") problems.Add($"{module.Name} {row.Version} ({row.State}), this build ships {module.Version}");
            }
        }
        var recorded = await provisioner.LastScriptsAsync(tenant.Code, cancellationToken);
        if (recorded != provisioner.ScriptsFingerprint)
        {
            problems.Add(recorded is null ? "no succeeded provisioning run recorded this build's scripts" : $"last run applied scripts {recorded[..12]}…, this build's are {provisioner.ScriptsFingerprint[..12]}…");
        }
        return problems.Count > 0
            ? Fail($"{string.Join("; ", problems)} (`./ipai migrate {tenant.Code}` applies them)")
            : Pass($"{string.Join(", ", modules.Select(m => $"{m.Name} {m.Version}"))}; {scripts} script(s) applied, none pending; fingerprint {provisioner.ScriptsFingerprint[..12]}… matches");
    }

    private static async Task<Dictionary<(string, string), string>> JournalAsync(NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        try
        {
            return (await connection.QueryAsync<(string Scope, string Id, string Checksum)>(new CommandDefinition(
                    $"SELECT scope, migration_id, checksum FROM {Sql.Identifier(schema)}.{MigrationRunner.Journal}", cancellationToken: cancellationToken)))
                .ToDictionary(r => (r.Scope, r.Id), r => r.Checksum);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            return [];
        }
    }

    /// <summary>The isolation lint clean for the tenant, and its rows invisible from another tenant's context and from none.</summary>
    private async Task<(string, string)> IsolationAsync(Tenant tenant, IsolationLint.SharedFindings? shared, CancellationToken cancellationToken)
    {
        var errors = (await lint.CheckTenantAsync(tenant, cancellationToken, shared)).Where(f => f.Level == IsolationLevel.Error).ToList();
        if (errors.Count > 0)
        {
            return Fail($"isolation lint: {string.Join(" ", errors.Select(f => $"[{f.Lint}] {f.Database}/{f.ObjectName}: {f.Detail}"))} (`./ipai lint --tenant {tenant.Code}`)");
        }
        var evidence = new List<string>();
        var leaks = new List<string>();
        foreach (var (server, database, schema) in StoresOf(tenant))
        {
            // As the runtime role, through whatever it may read: what the web runtime would see in another tenant's context.
            await using var connection = await databases.Get(server, database, RuntimeLogin()).OpenConnectionAsync(cancellationToken);
            var tables = (await connection.QueryAsync<string>(new CommandDefinition($$"""
                WITH {{IsolationLint.SchemaRelations}}
                SELECT c.relname FROM schema_relations r JOIN pg_class c ON c.oid = r.oid JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p') AND has_table_privilege(c.oid, 'SELECT') AND has_schema_privilege(n.oid, 'USAGE')
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                ORDER BY c.relname
                """, new { schemas = new[] { schema } }, cancellationToken: cancellationToken))).ToList();
            if (tables.Count == 0) continue;
            var count = string.Join(" + ", tables.Select(t => $"(SELECT count(*) FROM {Sql.Identifier(schema)}.{Sql.Identifier(t)} WHERE tenant_id = @code)"));
            await using var owner = await databases.GetAsOwner(server, database).OpenConnectionAsync(cancellationToken);
            var own = await CountAsync(owner, count, tenant.Code, tenant.Code, cancellationToken);
            var other = await CountAsync(connection, count, ProbeTenant, tenant.Code, cancellationToken);
            var none = await CountAsync(connection, count, "", tenant.Code, cancellationToken);
            evidence.Add($"{database}/{schema}: {tables.Count} table(s), {own} row(s) of its own; as {source.Names.AppRole} in another tenant's context {other}, with no context {none}");
            if (other > 0 || none > 0) leaks.Add($"{database}/{schema}: {other} row(s) visible as another tenant, {none} as no tenant");
        }
        return leaks.Count > 0 ? Fail(string.Join("; ", leaks)) : Pass($"isolation lint: no error; {string.Join("; ", evidence)}");
    }

    private static async Task<long> CountAsync(NpgsqlConnection connection, string count, string context, string code, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken);
        await TenantContext.SetAsync(connection, transaction, context, cancellationToken);
        var rows = await connection.ExecuteScalarAsync<long>(new CommandDefinition($"SELECT {count}", new { code }, transaction, cancellationToken: cancellationToken));
        await transaction.RollbackAsync(cancellationToken);
        return rows;
    }

    /// <summary>Row-level security on the tenant's users: a row for it written from another tenant's context is refused (WITH CHECK), and no context reads nothing.</summary>
    private async Task<(string, string)> RlsAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Get(tenant.DatabaseServer, tenant.DbName, RuntimeLogin()).OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await TenantContext.SetAsync(connection, transaction, "", cancellationToken);
            var seen = await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT count(*) FROM res_users", transaction: transaction, cancellationToken: cancellationToken));
            if (seen > 0) return Fail($"with no tenant context, res_users showed {seen} row(s)");
            await TenantContext.SetAsync(connection, transaction, ProbeTenant, cancellationToken);
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO res_users (tenant_id, login, name, active) VALUES (@code, 'ipai_verify_probe', 'RLS probe', false)",
                    new { code = tenant.Code }, transaction, cancellationToken: cancellationToken));
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                return Pass($"with no tenant context res_users shows 0 rows; a row with tenant_id '{tenant.Code}' written as another tenant was refused: {e.MessageText} (as {source.Names.AppRole}, the runtime role)");
            }
            return Fail($"a row with tenant_id '{tenant.Code}' was written into {tenant.DbName}.res_users from another tenant's context (rolled back): WITH CHECK does not hold");
        }
        finally
        {
            await transaction.RollbackAsync(CancellationToken.None);
        }
    }

    /// <summary>Every chart of every dashboard of the tenant's workspace answers with data (rows, or none for an empty tenant), as the BI role under RLS.</summary>
    private async Task<(string, string)> DashboardsAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var dashboards = await bi.DashboardsAsync(tenant.Code, cancellationToken);
        if (dashboards.Count == 0) return (VerificationGate.Skipped, "no dashboard template applies to this tenant's modules");
        var answered = new List<string>();
        var failed = new List<string>();
        foreach (var dashboard in dashboards)
        {
            var withRows = 0;
            var drawn = 0;
            foreach (var chart in await bi.ChartsAsync(tenant.Code, dashboard.Id, cancellationToken))
            {
                try
                {
                    var dataset = await bi.DatasetAsync(tenant.Code, chart.DatasetId, cancellationToken)
                        ?? throw new ChartSpecException($"its dataset {chart.DatasetId} is gone");
                    var data = await charts.QueryAsync(tenant, chart, dataset, dashboard.RefreshSeconds, [], null, "", cancellationToken);
                    drawn++;
                    if (data.Rows.Count > 0) withRows++;
                }
                catch (Exception e) when (e is ChartBrokenException or ChartSpecException or NpgsqlException or TimeoutException)
                {
                    failed.Add($"{dashboard.Slug}/{chart.Key}: {e.Message}");
                }
            }
            answered.Add($"{dashboard.Slug}: {drawn} chart(s) answered, {withRows} with rows");
        }
        return failed.Count > 0 ? Fail(string.Join("; ", failed)) : Pass(string.Join("; ", answered));
    }

    /// <summary>The runtime role's login (its password from the secrets, as <see cref="TenantDataAccess"/> reads it).</summary>
    private PostgresLogin RuntimeLogin() =>
        new(source.Names.AppRole, source.Cluster.Secrets.ReadRequired(PlatformEnvironment.RoleSecret(source.Names.AppRole)));

    private IEnumerable<(string Server, string Database, string Schema)> StoresOf(Tenant tenant)
    {
        yield return (tenant.DatabaseServer, tenant.DbName, "public");
        yield return (databases.Environment.DataServer, databases.Environment.DataDatabase, tenant.SupabaseSchema);
    }
}
