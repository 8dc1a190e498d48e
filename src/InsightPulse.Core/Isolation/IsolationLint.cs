using System.Collections.Concurrent;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Isolation;

/// <summary>
/// Reads the catalogue of every tenant store (each tenant database, schema public; each tenant schema of the shared
/// data database) and reports what would let tenants reach each other's rows, in the manner of Supabase's splinter
/// (its lint names and levels where it has the same check). <see cref="RunAsync"/> checks the fleet (<c>./ipai lint</c>);
/// <see cref="CheckTenantAsync"/> one tenant, for the provisioning gate. The catalogue is read as the owner role.
/// </summary>
public sealed class IsolationLint(PlatformDatabases databases, PlatformEnvironmentSource source, TenantRegistry registry, ModuleCatalog catalog)
{
    /// <summary>The migration runner's journal: in every store, no tenant data, granted to no runtime role.</summary>
    public const string MigrationJournal = MigrationRunner.Journal;

    /// <summary>
    /// The CTE <c>schema_relations(oid)</c>: the relations of the schemas <c>@schemas</c> (text[]), found through the
    /// dependency PostgreSQL records from every relation (but a TOAST table or composite type) on its schema, with
    /// <c>pg_depend</c>'s reference index. <c>pg_class</c> has no index on the schema: filtering it by schema scans
    /// every relation of every tenant schema of the database (42,000 rows at 1,000 tenants, ~15 ms a query).
    /// </summary>
    public const string SchemaRelations = """
        schema_relations AS MATERIALIZED (
            SELECT d.objid AS oid FROM pg_namespace n
            JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid AND d.classid = 'pg_class'::regclass AND d.deptype = 'n'
            WHERE n.nspname = ANY (@schemas))
        """;

    /// <summary>Lint names (stable: scripts and tests match on them).</summary>
    public static class Names
    {
        public const string TenantIdMissing = "tenant_id_missing";
        public const string RlsExempt = "rls_exempt";
        public const string RlsDisabled = "rls_disabled_in_public";
        public const string PolicyExistsRlsDisabled = "policy_exists_rls_disabled";
        public const string RlsNotForced = "rls_not_forced";
        public const string RlsEnabledNoPolicy = "rls_enabled_no_policy";
        public const string PolicyAlwaysTrue = "rls_policy_always_true";
        public const string PolicyMissingTenantPredicate = "policy_missing_tenant_predicate";
        public const string PolicyImplicitWithCheck = "policy_implicit_with_check";
        public const string PolicyInitPlan = "auth_rls_initplan";
        public const string PolicyColumnUnindexed = "policy_column_unindexed";
        public const string SecurityDefinerView = "security_definer_view";
        public const string MaterializedView = "materialized_view_in_tenant_store";
        public const string SecurityDefinerFunctionExecutable = "security_definer_function_executable";
        public const string FunctionSearchPathMutable = "function_search_path_mutable";
        public const string PublicGrant = "public_grant";
        public const string RuntimeRoleCanTruncate = "runtime_role_can_truncate";
        public const string RuntimeRoleOwnsObjects = "runtime_role_owns_objects";
        public const string RuntimeRoleBypassesRls = "runtime_role_bypasses_rls";
        public const string ServerVersionVulnerable = "server_version_vulnerable";
        public const string StoreMissing = "store_missing";
        public const string TenantRowsOutsideStores = "tenant_rows_outside_stores";
        public const string TenantContextChanged = "tenant_context_changed";
    }

    /// <summary>
    /// Whether a provisioning run applies the store's scripts again for <paramref name="finding"/>: every ERROR, and a
    /// table whose policies are gone (no session sees a row of it: safe, but the tenant's pages fail).
    /// </summary>
    public static bool CallsForRepair(IsolationFinding finding)
    {
        ArgumentNullException.ThrowIfNull(finding);
        return finding.Level == IsolationLevel.Error || finding.Lint == Names.RlsEnabledNoPolicy;
    }

    /// <summary>Every provisioned tenant's stores (or only those of <paramref name="tenantCode"/>), and the server.</summary>
    public async Task<IsolationReport> RunAsync(string? tenantCode, CancellationToken cancellationToken)
    {
        var tenants = await registry.ListAsync(cancellationToken);
        IReadOnlyList<TenantStoreRef> stores;
        if (tenantCode is null)
        {
            stores = TenantStoreRef.Of(tenants, databases.Environment);
        }
        else
        {
            var tenant = await registry.GetAsync(tenantCode, cancellationToken);
            stores = StoresOf(tenants, tenant);
        }
        var findings = await CheckAsync(stores, cancellationToken);
        // Only a run over every tenant knows which schemas are no tenant's.
        if (tenantCode is null) findings = [.. findings, .. await CheckOutsideStoresAsync(stores, cancellationToken)];
        var report = new IsolationReport(findings);
        // A lint over hundreds of tenant databases must not leave a pool (and its idle connections) per database.
        foreach (var (server, database) in stores.Select(s => (s.Server, s.Database)).Distinct())
        {
            await databases.ForgetTenantDatabaseAsync(server, database);
        }
        return report;
    }

    /// <summary>
    /// The provisioning gate: findings for <paramref name="tenant"/>'s database and schema (and the server), to be
    /// called after its modules and databank were applied; refuse to activate the tenant when any is an ERROR.
    /// </summary>
    public async Task<IReadOnlyList<IsolationFinding>> CheckTenantAsync(Tenant tenant, CancellationToken cancellationToken, SharedFindings? shared = null) =>
        await CheckTenantAsync(tenant, [TenantStore.Database, TenantStore.Schema], cancellationToken, shared);

    /// <summary>
    /// The gate over some of <paramref name="tenant"/>'s stores only (and the servers they are on): those a run that
    /// applied new scripts changed (<c>TenantProvisioner.ApplyNewScriptsAsync</c>).
    /// </summary>
    public async Task<IReadOnlyList<IsolationFinding>> CheckTenantAsync(
        Tenant tenant, IReadOnlyCollection<TenantStore> kinds, CancellationToken cancellationToken, SharedFindings? shared = null)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(kinds);
        var tenants = shared is null
            ? await registry.ListSharingStoresAsync(tenant, cancellationToken)
            // The same tenants as ListSharingStoresAsync's query, from the registry the run read once.
            : shared.Tenants.Where(t => t.DbName == tenant.DbName || t.SupabaseSchema == tenant.SupabaseSchema || t.Code == tenant.Code).ToList();
        return await CheckAsync(StoresOf(tenants, tenant).Where(s => kinds.Contains(s.Kind)).ToList(), cancellationToken, shared);
    }

    /// <summary>
    /// The findings of one run over many tenants (<c>verify --all</c>): the server's and those of each store several
    /// tenants share (the shared database's <c>public</c>) are made once in the run, by the first tenant that needs
    /// them, and given to the others; each tenant's own stores are checked for it. <paramref name="tenants"/>: the
    /// registry as the run read it once (which tenants share which store).
    /// </summary>
    public sealed class SharedFindings(IReadOnlyList<Tenant> tenants)
    {
        private readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<IsolationFinding>>>> _checks = new(StringComparer.Ordinal);

        internal IReadOnlyList<Tenant> Tenants { get; } = tenants;

        internal Task<IReadOnlyList<IsolationFinding>> GetOrAdd(string key, Func<Task<IReadOnlyList<IsolationFinding>>> check) =>
            _checks.GetOrAdd(key, _ => new Lazy<Task<IReadOnlyList<IsolationFinding>>>(check)).Value;
    }

    private List<TenantStoreRef> StoresOf(IReadOnlyList<Tenant> tenants, Tenant tenant) =>
        TenantStoreRef.Of(tenants.Where(t => t.Code != tenant.Code).Append(tenant), databases.Environment, includeDrafts: true)
            .Where(s => s.Tenants.Contains(tenant.Code)).ToList();

    private async Task<IReadOnlyList<IsolationFinding>> CheckAsync(IReadOnlyList<TenantStoreRef> stores, CancellationToken cancellationToken, SharedFindings? shared = null)
    {
        var findings = new List<IsolationFinding>();
        // Each server the stores live on (home always: the shared data database is there).
        foreach (var server in stores.Select(s => s.Server).Prepend(FleetServer.Home).Distinct(StringComparer.Ordinal))
        {
            findings.AddRange(await SharedAsync(shared, "server\n" + server, async () =>
            {
                await using var maintenance = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
                return await CheckServerAsync(maintenance, cancellationToken);
            }));
        }
        var contextChecked = new HashSet<(string, string)>();
        foreach (var store in stores)
        {
            var checkContext = contextChecked.Add((store.Server, store.Database));
            // Only a store several tenants share is asked for again in one run.
            findings.AddRange(store.Tenants.Count > 1
                ? await SharedAsync(shared, $"{store.Server}\n{store.Database}\n{store.Schema}\n{checkContext}", () => CheckStoreAsync(store, checkContext, cancellationToken))
                : await CheckStoreAsync(store, checkContext, cancellationToken));
        }
        return findings.OrderBy(f => f.Level).ThenBy(f => f.Database, StringComparer.Ordinal).ThenBy(f => f.ObjectName, StringComparer.Ordinal)
            .ThenBy(f => f.Lint, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Relations with a <c>tenant_id</c> column, without forced row-level security, in a schema that is no tenant's
    /// store of a database that holds tenant stores: rows of tenants that no policy guards (a benchmark's copy a killed
    /// run left, a table made by hand). An ERROR when a runtime role may read it, else a WARN.
    /// </summary>
    private async Task<IReadOnlyList<IsolationFinding>> CheckOutsideStoresAsync(IReadOnlyList<TenantStoreRef> stores, CancellationToken cancellationToken)
    {
        var findings = new List<IsolationFinding>();
        foreach (var database in stores.GroupBy(s => (s.Server, s.Database)))
        {
            await using var connection = await OpenAsync(database.Key.Server, database.Key.Database, cancellationToken);
            if (connection is null) continue;
            var roles = await RuntimeRoleGuard.ExistingRuntimeRolesAsync(connection, source.Names, cancellationToken);
            var relations = await connection.QueryAsync<(string Schema, string Name, string Kind, bool Readable)>(new CommandDefinition("""
                SELECT n.nspname, c.relname,
                       CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table' ELSE 'table' END,
                       EXISTS (SELECT 1 FROM unnest(@roles::text[]) AS r WHERE has_table_privilege(r, c.oid, 'SELECT'))
                FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
                  AND n.nspname <> ALL (@schemas) AND n.nspname NOT IN ('information_schema', 'pg_catalog', 'pg_toast') AND n.nspname !~ '^pg_'
                  AND NOT (c.relkind IN ('r', 'p') AND c.relrowsecurity AND c.relforcerowsecurity)
                  AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
                ORDER BY 1, 2
                """, new { roles = roles.ToArray(), schemas = database.Select(s => s.Schema).Distinct().ToArray() }, cancellationToken: cancellationToken));
            foreach (var (schema, name, kind, readable) in relations)
            {
                var qualified = $"{Sql.Identifier(schema)}.{Sql.Identifier(name)}";
                findings.Add(new(readable ? IsolationLevel.Error : IsolationLevel.Warn, Names.TenantRowsOutsideStores, "-", database.Key.Database, $"{schema}.{name}",
                    $"{kind} {schema}.{name} has tenant_id and no forced row-level security, in schema {schema}, which is no tenant's" +
                    (readable ? $": {string.Join(", ", roles)} may read every tenant's rows in it." : ": no runtime role may read it, but nothing guards its rows."),
                    $"drop it if it is a leftover (`DROP {kind.ToUpperInvariant()} {qualified};`), else move it into a tenant's store under its policy."));
            }
        }
        return findings;
    }

    private static Task<IReadOnlyList<IsolationFinding>> SharedAsync(SharedFindings? shared, string key, Func<Task<IReadOnlyList<IsolationFinding>>> check) =>
        shared is null ? check() : shared.GetOrAdd(key, check);

    /// <summary>One store's findings; <paramref name="checkContext"/>: also its database's tenant-context function (once per database and check).</summary>
    private async Task<IReadOnlyList<IsolationFinding>> CheckStoreAsync(TenantStoreRef store, bool checkContext, CancellationToken cancellationToken)
    {
        var findings = new List<IsolationFinding>();
        await using var connection = await OpenAsync(store.Server, store.Database, cancellationToken);
        if (connection is null)
        {
            findings.Add(new(IsolationLevel.Info, Names.StoreMissing, store.TenantText, store.Database, store.Schema,
                $"database {store.Database} does not exist: nothing to check.", $"provision the tenant: `./ipai tenant provision {store.Tenants[0]}`."));
            return findings;
        }
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", new { store.Schema }, cancellationToken: cancellationToken)))
        {
            findings.Add(new(IsolationLevel.Info, Names.StoreMissing, store.TenantText, store.Database, store.Schema,
                $"schema {store.Schema} does not exist in {store.Database}: nothing to check.", $"provision the tenant: `./ipai tenant provision {store.Tenants[0]}`."));
            return findings;
        }
        var roles = await RuntimeRoleGuard.ExistingRuntimeRolesAsync(connection, source.Names, cancellationToken);
        var storeFindings = new List<IsolationFinding>();
        storeFindings.AddRange(await CheckRelationsAsync(connection, store, roles, cancellationToken));
        storeFindings.AddRange(await CheckFunctionsAsync(connection, store, roles, checkContext, cancellationToken));
        storeFindings.AddRange(await CheckSchemaAsync(connection, store, cancellationToken));
        findings.AddRange(ApplyWaivers(store, storeFindings));
        foreach (var owned in await RuntimeRoleGuard.OwnedObjectsAsync(connection, store, roles, cancellationToken))
        {
            findings.Add(new(IsolationLevel.Error, Names.RuntimeRoleOwnsObjects, store.TenantText, store.Database, owned.Name,
                $"{owned.Kind} {owned.Name} is owned by {owned.Owner}{(owned.Owner == owned.Role ? "" : $" (of which {owned.Role} is a member)")}: an owner can disable or drop the policies.",
                owned.Owner == owned.Role
                    ? $"ALTER {owned.Kind.ToUpperInvariant()} {owned.Name} OWNER TO <owner role>;"
                    : $"REVOKE {Sql.Identifier(owned.Owner)} FROM {Sql.Identifier(owned.Role)};"));
        }
        return findings;
    }

    /// <summary>
    /// Findings that a module's or the store's databank's manifest waives (same lint, same object) become INFO,
    /// carrying the waiver's reason; every other finding stands.
    /// </summary>
    private IEnumerable<IsolationFinding> ApplyWaivers(TenantStoreRef store, IEnumerable<IsolationFinding> findings)
    {
        var owners = catalog.Modules.AsEnumerable();
        if (store.Kind == TenantStore.Schema) owners = owners.Concat(store.Tenants.Select(catalog.DatabankOf).OfType<Module>());
        var waivers = owners.SelectMany(m => m.Manifest.IsolationWaivers.Select(w => (m.Scope, Waiver: w))).ToList();
        foreach (var finding in findings)
        {
            var name = finding.ObjectName.Split('.')[^1];
            var waived = waivers.FirstOrDefault(w => w.Waiver.Lint == finding.Lint && w.Waiver.Relation == name);
            yield return waived.Waiver is null || finding.Level == IsolationLevel.Info
                ? finding
                : finding with { Level = IsolationLevel.Info, Detail = $"waived by {waived.Scope} ({waived.Waiver.Reason}); the finding: {finding.Detail}" };
        }
    }

    private async Task<NpgsqlConnection?> OpenAsync(string server, string database, CancellationToken cancellationToken)
    {
        try
        {
            return await databases.GetAsOwner(server, database).OpenConnectionAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            return null;
        }
    }

    // Server ------------------------------------------------------------------------------------------------

    /// <summary>
    /// Minor releases that fixed row-security CVEs, per major: CVE-2023-2455 (11.20, 12.15, 13.11, 14.8, 15.3) and
    /// CVE-2024-10976 (12.21, 13.17, 14.14, 15.9, 16.5, 17.1).
    /// </summary>
    private static readonly (string Cve, IReadOnlyDictionary<int, int> FixedIn)[] RlsCves =
    [
        ("CVE-2023-2455", new Dictionary<int, int> { [11] = 20, [12] = 15, [13] = 11, [14] = 8, [15] = 3 }),
        ("CVE-2024-10976", new Dictionary<int, int> { [12] = 21, [13] = 17, [14] = 14, [15] = 9, [16] = 5, [17] = 1 }),
    ];

    /// <summary>The row-security CVEs a server of this version (<c>server_version_num</c>) is open to.</summary>
    public static IReadOnlyList<string> VulnerableTo(int versionNum)
    {
        var major = versionNum / 10000;
        var minor = versionNum % 100;
        // A major newer than every listed one was released with both fixes; an older one never got them.
        return RlsCves.Where(c => c.FixedIn.TryGetValue(major, out var fixedMinor) ? minor < fixedMinor : major < c.FixedIn.Keys.Min())
            .Select(c => c.Cve).ToList();
    }

    private async Task<IReadOnlyList<IsolationFinding>> CheckServerAsync(NpgsqlConnection data, CancellationToken cancellationToken)
    {
        var findings = new List<IsolationFinding>();
        var versionNum = await data.ExecuteScalarAsync<int>(new CommandDefinition("SELECT current_setting('server_version_num')::int", cancellationToken: cancellationToken));
        var version = await data.ExecuteScalarAsync<string>(new CommandDefinition("SELECT current_setting('server_version')", cancellationToken: cancellationToken));
        var cves = VulnerableTo(versionNum);
        if (cves.Count > 0)
        {
            findings.Add(new(IsolationLevel.Error, Names.ServerVersionVulnerable, "", data.Database, "server",
                $"PostgreSQL {version} has row-security bugs fixed in later minor releases: {string.Join(", ", cves)}.",
                "upgrade to the latest minor release of your major version (at least 12.21, 13.17, 14.14, 15.9, 16.5 or 17.1)."));
        }
        foreach (var role in source.Names.RuntimeRoles())
        {
            foreach (var problem in await RuntimeRoleGuard.AttributeProblemsAsync(data, role, cancellationToken))
            {
                if (problem.Contains("does not exist", StringComparison.Ordinal)) continue;
                var fixAt = problem.IndexOf("fix: ", StringComparison.Ordinal);
                findings.Add(new(IsolationLevel.Error, Names.RuntimeRoleBypassesRls, "", data.Database, role,
                    $"{role}: {(fixAt > 0 ? problem[..fixAt].TrimEnd(' ', ';') : problem)}.",
                    fixAt > 0 ? problem[(fixAt + 5)..].Trim('`', '.', ' ') : $"ALTER ROLE {Sql.Identifier(role)} NOSUPERUSER NOBYPASSRLS;"));
            }
        }
        return findings;
    }

    // Tables, views, sequences --------------------------------------------------------------------------------

    private sealed record RelationRow(
        long Oid, string Name, string Kind, bool Rls, bool Forced, bool HasTenantId, bool TenantIndexed, string OptionsText,
        string ReachersText, string TruncatersText, string BeyondInsertText, bool PublicGrant)
    {
        public string[] Options => Split(OptionsText);
        public string[] Reachers => Split(ReachersText);
        public string[] Truncaters => Split(TruncatersText);

        /// <summary>The runtime roles that may do more than INSERT (read, change, delete or empty its rows).</summary>
        public string[] BeyondInsert => Split(BeyondInsertText);
    }

    private static string[] Split(string? text) => string.IsNullOrEmpty(text) ? [] : text.Split(',');

    private sealed record PolicyRow(string TableName, string Name, string Cmd, bool Permissive, string? UsingExpr, string? CheckExpr);

    private static async Task<IReadOnlyList<IsolationFinding>> CheckRelationsAsync(NpgsqlConnection connection, TenantStoreRef store, IReadOnlyList<string> roles, CancellationToken cancellationToken)
    {
        // Relations and their policies in one round trip.
        await using var grid = await connection.QueryMultipleAsync(new CommandDefinition($$"""
            WITH {{SchemaRelations}}
            SELECT c.oid::bigint AS oid, c.relname AS name, c.relkind::text AS kind, c.relrowsecurity AS rls, c.relforcerowsecurity AS forced,
                   a.attnum IS NOT NULL AS "HasTenantId",
                   EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indkey[0] = a.attnum) AS "TenantIndexed",
                   array_to_string(coalesce(c.reloptions, '{}'), ',') AS "OptionsText",
                   array_to_string(array(SELECT r FROM unnest(@roles::text[]) r
                         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(r, c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE')), ',') AS "ReachersText",
                   array_to_string(array(SELECT r FROM unnest(@roles::text[]) r
                         WHERE c.relkind IN ('r', 'p') AND has_table_privilege(r, c.oid, 'TRUNCATE')), ',') AS "TruncatersText",
                   array_to_string(array(SELECT r FROM unnest(@roles::text[]) r
                         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(r, c.oid, 'SELECT, UPDATE, DELETE, TRUNCATE')), ',') AS "BeyondInsertText",
                   EXISTS (SELECT 1 FROM aclexplode(c.relacl) x WHERE x.grantee = 0) AS "PublicGrant"
            FROM schema_relations r
            JOIN pg_class c ON c.oid = r.oid
            LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
            WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY c.relname;
            WITH {{SchemaRelations}}
            SELECT c.relname AS "TableName", p.polname AS name, p.polcmd::text AS cmd, p.polpermissive AS permissive,
                   pg_get_expr(p.polqual, p.polrelid) AS "UsingExpr", pg_get_expr(p.polwithcheck, p.polrelid) AS "CheckExpr"
            FROM schema_relations r JOIN pg_class c ON c.oid = r.oid JOIN pg_policy p ON p.polrelid = c.oid
            ORDER BY c.relname, p.polname
            """, new { schemas = new[] { store.Schema }, roles }, cancellationToken: cancellationToken));
        var relations = (await grid.ReadAsync<RelationRow>()).ToList();
        var policies = (await grid.ReadAsync<PolicyRow>()).ToLookup(p => p.TableName, StringComparer.Ordinal);

        var findings = new List<IsolationFinding>();
        void Add(IsolationLevel level, string lint, string name, string detail, string fix) =>
            findings.Add(new(level, lint, store.TenantText, store.Database, $"{store.Schema}.{name}", detail, fix));

        foreach (var r in relations)
        {
            var table = $"{Sql.Identifier(store.Schema)}.{Sql.Identifier(r.Name)}";
            if (r.PublicGrant)
            {
                Add(IsolationLevel.Error, Names.PublicGrant, r.Name,
                    $"{KindName(r.Kind)} {r.Name} is granted to PUBLIC: every role that can connect reaches it, and anyone can set app.tenant_id.",
                    $"REVOKE ALL ON {table} FROM PUBLIC; then grant the runtime roles only what they need.");
            }
            switch (r.Kind)
            {
                case "v":
                    if (!r.Options.Any(o => o is "security_invoker=true" or "security_invoker=on" or "security_invoker=1" or "security_invoker=yes"))
                    {
                        Add(IsolationLevel.Error, Names.SecurityDefinerView, r.Name,
                            $"view {r.Name} runs with its owner's rights (no security_invoker): the caller's row-level security does not apply to the tables it reads.",
                            $"ALTER VIEW {table} SET (security_invoker = true);");
                    }
                    continue;
                case "m":
                    if (r.Reachers.Length > 0)
                    {
                        Add(IsolationLevel.Warn, Names.MaterializedView, r.Name,
                            $"materialized view {r.Name} is readable by {string.Join(", ", r.Reachers)}; materialized views have no row-level security.",
                            $"REVOKE ALL ON {table} FROM {string.Join(", ", r.Reachers.Select(Sql.Identifier))}; or use a security_invoker view.");
                    }
                    continue;
                case "S":
                    continue;
            }
            // Tables (r, p) and foreign tables (f).
            if (!r.HasTenantId)
            {
                if (r.Reachers.Length > 0 && r.BeyondInsert.Length == 0)
                {
                    // Append-only for the runtime roles (the platform's audit trail, ipai_audit): they add rows and
                    // read, change or delete none, so no tenant's session reaches another tenant's rows through it.
                    Add(IsolationLevel.Info, Names.RlsExempt, r.Name,
                        $"table {r.Name} has no tenant_id, and {string.Join(", ", r.Reachers)} may only INSERT into it: they read, change and delete none of its rows; exempt from tenant isolation.",
                        "none; granting a runtime role SELECT, UPDATE, DELETE or TRUNCATE on it makes this an ERROR (tenant_id_missing).");
                }
                else if (r.Reachers.Length > 0)
                {
                    Add(IsolationLevel.Error, Names.TenantIdMissing, r.Name,
                        $"table {r.Name} has no tenant_id column but {string.Join(", ", r.Reachers)} can reach it: its rows are shared by every tenant of the store.",
                        $"add `tenant_id text NOT NULL DEFAULT ipai.current_tenant_id()` with RLS forced and the tenant_isolation policy, or REVOKE ALL ON {table} FROM {string.Join(", ", r.Reachers.Select(Sql.Identifier))}.");
                }
                else
                {
                    Add(IsolationLevel.Info, Names.RlsExempt, r.Name,
                        r.Name == MigrationJournal
                            ? $"{r.Name} is the migration journal (scripts applied, checksums): no tenant data, no grant to a runtime role; exempt from tenant isolation."
                            : r.Name == MigrationRunner.EventOutbox
                            ? $"{r.Name} is the outbox of schema-change events (scripts applied, not yet relayed): no tenant data, no grant to a runtime role; exempt from tenant isolation."
                            : $"table {r.Name} has no tenant_id, and no runtime role can reach it (platform-internal): exempt while it stays ungranted.",
                        "none; granting it to a runtime role makes this an ERROR (tenant_id_missing).");
                }
                continue;
            }
            var tablePolicies = policies[r.Name].ToList();
            if (!r.Rls)
            {
                if (tablePolicies.Count > 0)
                {
                    Add(IsolationLevel.Error, Names.PolicyExistsRlsDisabled, r.Name,
                        $"table {r.Name} has policies ({string.Join(", ", tablePolicies.Select(p => p.Name))}) but row-level security is disabled: they are not applied.",
                        $"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; ALTER TABLE {table} FORCE ROW LEVEL SECURITY;");
                }
                else
                {
                    Add(IsolationLevel.Error, Names.RlsDisabled, r.Name,
                        $"table {r.Name} has tenant_id but row-level security is disabled: every tenant's rows are visible.",
                        $"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY; ALTER TABLE {table} FORCE ROW LEVEL SECURITY; and create the tenant_isolation policy.");
                }
            }
            else if (!r.Forced)
            {
                Add(IsolationLevel.Error, Names.RlsNotForced, r.Name,
                    $"table {r.Name} has row-level security enabled but not forced: its owner (and SECURITY DEFINER code running as the owner) sees every tenant.",
                    $"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;");
            }
            if (r.Rls && tablePolicies.Count == 0)
            {
                Add(IsolationLevel.Info, Names.RlsEnabledNoPolicy, r.Name,
                    $"table {r.Name} has row-level security but no policy: nobody but a superuser sees any row.",
                    $"CREATE POLICY tenant_isolation ON {table} USING (tenant_id = (SELECT ipai.current_tenant_id())) WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));");
            }
            foreach (var p in tablePolicies.Where(p => p.Permissive))
            {
                findings.AddRange(CheckPolicy(store, r.Name, table, p));
            }
            if (!r.TenantIndexed)
            {
                Add(IsolationLevel.Warn, Names.PolicyColumnUnindexed, r.Name,
                    $"no index of {r.Name} leads with tenant_id, the column every policy filters on: each query scans every tenant's rows.",
                    $"CREATE INDEX ON {table} (tenant_id, …); or make the unique keys (tenant_id, …).");
            }
            if (r.Truncaters.Length > 0)
            {
                Add(IsolationLevel.Error, Names.RuntimeRoleCanTruncate, r.Name,
                    $"{string.Join(", ", r.Truncaters)} may TRUNCATE {r.Name}; TRUNCATE is not subject to row-level security and empties every tenant's rows.",
                    $"REVOKE TRUNCATE ON {table} FROM {string.Join(", ", r.Truncaters.Select(Sql.Identifier))};");
            }
        }
        return findings;
    }

    private static List<IsolationFinding> CheckPolicy(TenantStoreRef store, string tableName, string table, PolicyRow p)
    {
        var target = $"{store.Schema}.{tableName}";
        var policy = $"policy {p.Name} on {tableName}";
        const string Canonical = "tenant_id = (SELECT ipai.current_tenant_id())";
        var fix = $"DROP POLICY {Sql.Identifier(p.Name)} ON {table}; CREATE POLICY tenant_isolation ON {table} USING ({Canonical}) WITH CHECK ({Canonical});";
        IsolationFinding New(IsolationLevel level, string lint, string detail, string fixText) =>
            new(level, lint, store.TenantText, store.Database, target, detail, fixText);

        // polcmd: r SELECT, a INSERT, w UPDATE, d DELETE, * ALL.
        var usesUsing = p.Cmd is "r" or "w" or "d" or "*";
        var writes = p.Cmd is "a" or "w" or "*";
        var results = new List<IsolationFinding>();
        if (usesUsing)
        {
            results.AddRange(Judge(PolicyPredicate.Classify(p.UsingExpr), "USING", p.UsingExpr));
        }
        if (writes)
        {
            var check = PolicyPredicate.Classify(p.CheckExpr);
            if (check == PolicyPredicateKind.Missing && p.Cmd != "a")
            {
                results.Add(New(IsolationLevel.Warn, Names.PolicyImplicitWithCheck,
                    $"{policy} has no WITH CHECK: PostgreSQL reuses USING for new rows, which holds only while USING stays tenant-bound; say it explicitly.",
                    fix));
            }
            else
            {
                results.AddRange(Judge(check, "WITH CHECK", p.CheckExpr));
            }
        }
        return results;

        IEnumerable<IsolationFinding> Judge(PolicyPredicateKind kind, string clause, string? expression)
        {
            switch (kind)
            {
                case PolicyPredicateKind.AlwaysTrue or PolicyPredicateKind.Missing:
                    yield return New(IsolationLevel.Error, Names.PolicyAlwaysTrue,
                        $"{policy}: {clause} is {(kind == PolicyPredicateKind.Missing ? "missing (true)" : "true")}: every tenant's rows pass.", fix);
                    break;
                case PolicyPredicateKind.NoTenantCheck:
                    yield return New(IsolationLevel.Error, Names.PolicyMissingTenantPredicate,
                        $"{policy}: {clause} ({Sql.Printable(expression, 160)}) does not require tenant_id = ipai.current_tenant_id() (as a top-level AND term).", fix);
                    break;
                case PolicyPredicateKind.TenantCheckPerRow:
                    yield return New(IsolationLevel.Warn, Names.PolicyInitPlan,
                        $"{policy}: {clause} calls ipai.current_tenant_id() once per row; wrapped as (SELECT ipai.current_tenant_id()) it runs once per query.", fix);
                    break;
            }
        }
    }

    private static string KindName(string kind) => kind switch
    {
        "v" => "view",
        "m" => "materialized view",
        "S" => "sequence",
        "f" => "foreign table",
        _ => "table",
    };

    // Functions and schemas -------------------------------------------------------------------------------------

    private sealed record FunctionRow(string Schema, string Name, bool SecurityDefiner, bool PinnedPath, string ExecutorsText, bool PublicExecute)
    {
        public string[] Executors => Split(ExecutorsText);
    }

    private static async Task<IReadOnlyList<IsolationFinding>> CheckFunctionsAsync(NpgsqlConnection connection, TenantStoreRef store, IReadOnlyList<string> roles, bool withContextSchema, CancellationToken cancellationToken)
    {
        var schemas = withContextSchema ? new[] { store.Schema, "ipai" } : [store.Schema];
        var functions = await connection.QueryAsync<FunctionRow>(new CommandDefinition("""
            SELECT n.nspname AS schema, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')' AS name,
                   p.prosecdef AS "SecurityDefiner",
                   -- A fixed search_path, or a SQL-standard body (PostgreSQL 14+: names bound at CREATE, the caller's path is never used).
                   (EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) cfg WHERE cfg LIKE 'search_path=%')
                    OR (to_jsonb(p) ->> 'prosqlbody') IS NOT NULL) AS "PinnedPath",
                   array_to_string(array(SELECT r FROM unnest(@roles::text[]) r WHERE has_function_privilege(r, p.oid, 'EXECUTE')), ',') AS "ExecutorsText",
                   (p.proacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(p.proacl) x WHERE x.grantee = 0)) AS "PublicExecute"
            FROM pg_namespace n
            -- The schemas' functions through pg_depend's reference index (pg_proc has no index on the schema alone).
            JOIN pg_depend d ON d.refclassid = 'pg_namespace'::regclass AND d.refobjid = n.oid AND d.classid = 'pg_proc'::regclass AND d.deptype = 'n'
            JOIN pg_proc p ON p.oid = d.objid
            WHERE n.nspname = ANY (@schemas) AND p.prokind IN ('f', 'p')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
            ORDER BY 1, 2
            """, new { schemas, roles }, cancellationToken: cancellationToken));
        var findings = new List<IsolationFinding>();
        foreach (var f in functions)
        {
            var name = $"{f.Schema}.{f.Name}";
            var tenants = f.Schema == "ipai" ? "" : store.TenantText;
            if (f.SecurityDefiner && (f.Executors.Length > 0 || f.PublicExecute))
            {
                var who = f.PublicExecute ? "PUBLIC" : string.Join(", ", f.Executors);
                findings.Add(new(IsolationLevel.Warn, Names.SecurityDefinerFunctionExecutable, tenants, store.Database, name,
                    $"SECURITY DEFINER function {name} is executable by {who}: it runs with its owner's rights (e.g. grants the owner has and the runtime role lacks).",
                    $"ALTER FUNCTION {name} SECURITY INVOKER; or REVOKE EXECUTE ON FUNCTION {name} FROM PUBLIC, {string.Join(", ", roles.Select(Sql.Identifier))};"));
            }
            if (!f.PinnedPath)
            {
                findings.Add(new(IsolationLevel.Warn, Names.FunctionSearchPathMutable, tenants, store.Database, name,
                    $"function {name} has no fixed search_path: the caller's search_path decides which tables and functions its names resolve to.",
                    $"ALTER FUNCTION {name} SET search_path = pg_catalog, pg_temp; and qualify the names it uses (or give a LANGUAGE sql function a SQL-standard body: RETURN … / BEGIN ATOMIC … END)."));
            }
            if (f.PublicExecute && !f.SecurityDefiner)
            {
                findings.Add(new(IsolationLevel.Warn, Names.PublicGrant, tenants, store.Database, name,
                    $"function {name} is executable by PUBLIC (PostgreSQL's default for new functions).",
                    $"REVOKE ALL ON FUNCTION {name} FROM PUBLIC; then GRANT EXECUTE to the runtime roles that need it."));
            }
        }
        if (withContextSchema)
        {
            foreach (var function in await TenantContext.ChangedDefinitionsAsync(connection, cancellationToken))
            {
                findings.Add(new(IsolationLevel.Error, Names.TenantContextChanged, store.TenantText, store.Database, function,
                    $"{function} is not what this build's tenant-context scripts made (changed or dropped since): every policy in {store.Database} decides whose rows a session sees through it.",
                    $"`./ipai tenant repair {store.Tenants[0]}` applies the tenant-context scripts again."));
            }
        }
        return findings;
    }

    private static async Task<IReadOnlyList<IsolationFinding>> CheckSchemaAsync(NpgsqlConnection connection, TenantStoreRef store, CancellationToken cancellationToken)
    {
        var publicCreate = await connection.ExecuteScalarAsync<bool>(new CommandDefinition("""
            SELECT EXISTS (SELECT 1 FROM pg_namespace n, aclexplode(n.nspacl) x
                           WHERE n.nspname = @schema AND x.grantee = 0 AND x.privilege_type = 'CREATE')
            """, new { schema = store.Schema }, cancellationToken: cancellationToken));
        return publicCreate
            ? [new(IsolationLevel.Error, Names.PublicGrant, store.TenantText, store.Database, store.Schema,
                $"every role may CREATE in schema {store.Schema}: a runtime role could create (and own) objects that shadow the tenant's tables.",
                $"REVOKE CREATE ON SCHEMA {Sql.Identifier(store.Schema)} FROM PUBLIC;")]
            : [];
    }
}
