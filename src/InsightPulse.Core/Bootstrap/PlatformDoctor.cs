using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Events;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Bootstrap;

/// <summary>
/// <c>./ipai doctor</c>: checks the live platform and says, for each problem, the command that fixes it. Reads only;
/// never prints a secret (targets are redacted, secret files are judged by their mode, never read). Each check runs on
/// its own: one that cannot run is an error finding, and the others still run.
/// </summary>
public sealed class PlatformDoctor(
    PlatformEnvironmentSource source,
    PlatformDatabases databases,
    PlatformStatusReader statusReader,
    TenantRegistry registry,
    RuntimeRoleGuard roleGuard,
    TenantProvisioner provisioner,
    WebhookRegistry webhooks,
    TimeProvider time)
{
    /// <summary>The stable names of the checks, in the order they run.</summary>
    public static class Checks
    {
        public const string Connectivity = "connectivity";
        public const string ServerVersion = "server_version";
        public const string RuntimeRoles = "runtime_roles";
        public const string Secrets = "secrets";
        public const string MigrationsPending = "migrations_pending";
        public const string ProvisionRuns = "provision_runs";
        public const string OrphanDatabase = "orphan_database";
        public const string OrphanSchema = "orphan_schema";
        public const string StoreMissing = "store_missing";
        public const string TemplateLeftover = "template_leftover";
        public const string DiskSpace = "disk_space";
        public const string Webhooks = "webhooks";
    }

    /// <summary>Free space below which the managed cluster's file system is a warning: this many bytes, or this share of it.</summary>
    public const long MinFreeBytes = 1L << 30;
    public const double MinFreeShare = 0.10;

    /// <summary>A delivery still pending after this many attempts counts as failing.</summary>
    public const int ManyAttempts = 3;

    private static readonly TenantState[] Stored = [TenantState.Active, TenantState.Suspended];

    public async Task<DoctorReport> RunAsync(CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        var status = await statusReader.ReadAsync(cancellationToken);
        if (status.Problem is not null)
        {
            findings.Add(new(Checks.Connectivity, DoctorLevel.Error, $"{status.Target}: {status.Problem}", "./ipai up"));
            findings.Add(Secrets());
            findings.Add(await DiskSpaceAsync(cancellationToken));
            return new DoctorReport(findings);
        }

        var tenants = await registry.ListAsync(cancellationToken);
        async Task Run(string check, Func<Task<IEnumerable<DoctorFinding>>> body)
        {
            var before = findings.Count;
            try
            {
                findings.AddRange(await body());
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or OperatorException or IOException or UnauthorizedAccessException)
            {
                findings.Add(new(check, DoctorLevel.Error, $"the check could not run: {PostgresErrors.Describe(e)}", "./ipai doctor --verbose"));
            }
            if (findings.Count == before) findings.Add(new(check, DoctorLevel.Ok, "no problem found"));
        }

        await Run(Checks.Connectivity, () => ConnectivityAsync(tenants, cancellationToken));
        await Run(Checks.ServerVersion, () => ServerVersionAsync(cancellationToken));
        await Run(Checks.RuntimeRoles, () => RuntimeRolesAsync(cancellationToken));
        await Run(Checks.Secrets, () => Task.FromResult<IEnumerable<DoctorFinding>>([Secrets()]));
        await Run(Checks.MigrationsPending, () => MigrationsPendingAsync(tenants, cancellationToken));
        await Run(Checks.ProvisionRuns, () => ProvisionRunsAsync(tenants, cancellationToken));
        await Run(Checks.StoreMissing, () => StoresAsync(tenants, cancellationToken));
        await Run(Checks.TemplateLeftover, () => TemplatesAsync(tenants, cancellationToken));
        await Run(Checks.DiskSpace, async () => [await DiskSpaceAsync(cancellationToken)]);
        await Run(Checks.Webhooks, () => WebhooksAsync(cancellationToken));
        return new DoctorReport(findings);
    }

    /// <summary>The platform and data databases and each active or suspended tenant's database answer a query.</summary>
    private async Task<IEnumerable<DoctorFinding>> ConnectivityAsync(IReadOnlyList<Tenant> tenants, CancellationToken cancellationToken)
    {
        var environment = databases.Environment;
        var existing = await DatabaseNamesAsync(ServersOf(tenants), cancellationToken);
        var names = new List<(string Server, string Name)> { (FleetServer.Home, environment.PlatformDatabase), (environment.DataServer, environment.DataDatabase) };
        names.AddRange(tenants.Where(t => Stored.Contains(t.State)).Select(t => (t.DatabaseServer, t.DbName)).Where(existing.Contains).OrderBy(d => d.DbName, StringComparer.Ordinal));
        names = names.Distinct().ToList();
        var findings = new List<DoctorFinding>();
        foreach (var (server, name) in names)
        {
            var where = server == FleetServer.Home ? environment.Description : $"server {server}";
            try
            {
                await using var connection = await databases.GetAsOwner(server, name).OpenConnectionAsync(cancellationToken);
                await connection.ExecuteScalarAsync<int>(new CommandDefinition("SELECT 1", cancellationToken: cancellationToken));
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                findings.Add(new(Checks.Connectivity, DoctorLevel.Error, $"database {name} on {where}: {PostgresErrors.Describe(e)}",
                    environment.Mode == PlatformMode.Managed && server == FleetServer.Home ? "./ipai up" : $"./ipai psql {name} -c 'SELECT 1'"));
            }
            finally
            {
                await databases.ForgetTenantDatabaseAsync(server, name);
            }
        }
        var servers = names.Select(n => n.Server).Distinct().Count();
        findings.Add(new(Checks.Connectivity, DoctorLevel.Ok,
            $"{names.Count - findings.Count} of {names.Count} database(s) answer on {environment.Description}{(servers > 1 ? $" and {servers - 1} other server(s)" : "")} " +
            $"({string.Join(", ", names.Take(5).Select(n => n.Name))}{(names.Count > 5 ? ", …" : "")})"));
        return findings;
    }

    /// <summary>The server's minor release against the row-security fixes (the isolation lint's table).</summary>
    private async Task<IEnumerable<DoctorFinding>> ServerVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        var (number, text) = await connection.QuerySingleAsync<(int, string)>(new CommandDefinition(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version')", cancellationToken: cancellationToken));
        var cves = IsolationLint.VulnerableTo(number);
        return cves.Count == 0
            ? [new(Checks.ServerVersion, DoctorLevel.Ok, $"PostgreSQL {text} has the row-security fixes (CVE-2023-2455, CVE-2024-10976)")]
            : [new(Checks.ServerVersion, DoctorLevel.Error, $"PostgreSQL {text} is open to {string.Join(", ", cves)} (row-level security bypass)",
                $"upgrade PostgreSQL to the latest {number / 10000}.x minor release (at least 12.21, 13.17, 14.14, 15.9, 16.5 or 17.1)")];
    }

    /// <summary>The runtime roles: not superuser, no BYPASSRLS, owning nothing (<see cref="RuntimeRoleGuard"/>).</summary>
    private async Task<IEnumerable<DoctorFinding>> RuntimeRolesAsync(CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        var roles = source.Names.RuntimeRoles();
        foreach (var role in roles)
        {
            foreach (var problem in await roleGuard.ProblemsAsync(role, cancellationToken))
            {
                var at = problem.IndexOf("fix: ", StringComparison.Ordinal);
                findings.Add(at < 0
                    ? new(Checks.RuntimeRoles, DoctorLevel.Error, $"{role}: {problem}", "./ipai up")
                    : new(Checks.RuntimeRoles, DoctorLevel.Error, $"{role}: {problem[..at].TrimEnd(' ', ';')}", problem[(at + 5)..].TrimEnd('.').Trim('`')));
            }
        }
        if (findings.Count == 0) findings.Add(new(Checks.RuntimeRoles, DoctorLevel.Ok, $"{string.Join(", ", roles)}: not superuser, no BYPASSRLS, own nothing"));
        return findings;
    }

    /// <summary>
    /// The secrets the platform needs (the runtime roles' passwords, and in managed mode the superuser's and the
    /// owner's), each from its <c>IPAI_SECRET_*</c> variable or its file; the secrets folder (mode 0700) and its files
    /// (mode 0600) when there is one (a web node may have only the variables). Values are never read.
    /// </summary>
    private DoctorFinding Secrets()
    {
        var store = source.Cluster.Secrets;
        var required = source.Names.RuntimeRoles().Select(PlatformEnvironment.RoleSecret).ToList();
        if (source.Mode == PlatformMode.Managed) required.InsertRange(0, [ManagedCluster.SuperuserSecret, PlatformEnvironment.OwnerSecret]);
        var missing = required.Where(name => !store.Exists(name)).ToList();
        if (missing.Count > 0)
        {
            return new(Checks.Secrets, DoctorLevel.Error,
                $"missing: {string.Join(", ", missing.Select(name => $"{name} (neither in {store.Directory} nor {SecretStore.VariableOf(name)} set)"))}",
                "./ipai up (creates them and sets the roles' passwords to them), or set the variables");
        }
        if (!Directory.Exists(store.Directory))
        {
            return new(Checks.Secrets, DoctorLevel.Ok, $"{required.Count} required secret(s) given by IPAI_SECRET_* variables; no secrets folder");
        }
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        var problems = new List<(string What, string Fix)>();
        if ((File.GetUnixFileMode(store.Directory) & others) != 0)
        {
            problems.Add(($"folder {store.Directory} has mode {Octal(File.GetUnixFileMode(store.Directory))}", $"chmod 700 {store.Directory}"));
        }
        foreach (var file in Directory.GetFiles(store.Directory).Order(StringComparer.Ordinal))
        {
            var mode = File.GetUnixFileMode(file);
            if ((mode & others) != 0) problems.Add(($"{file} has mode {Octal(mode)}", $"chmod 600 {file}"));
        }
        return problems.Count == 0
            ? new(Checks.Secrets, DoctorLevel.Ok, $"{store.Directory}: {required.Count} required secret(s) present; folder 0700, files 0600")
            : new(Checks.Secrets, DoctorLevel.Error, $"readable by others: {string.Join("; ", problems.Select(p => p.What))}", string.Join(" && ", problems.Select(p => p.Fix)));
    }

    private static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0x1FF, 8);

    /// <summary>Platform scripts not applied, and active tenants last provisioned by a build with other tenant scripts.</summary>
    private async Task<IEnumerable<DoctorFinding>> MigrationsPendingAsync(IReadOnlyList<Tenant> tenants, CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        await using (var connection = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            var applied = (await connection.QueryAsync<string>(new CommandDefinition(
                $"SELECT migration_id FROM public.{MigrationRunner.Journal} WHERE scope = @scope", new { scope = PlatformBootstrapper.PlatformScope }, cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
            var pending = PlatformBootstrapper.PlatformScripts().Select(m => m.Id).Where(id => !applied.Contains(id)).ToList();
            if (pending.Count > 0)
            {
                findings.Add(new(Checks.MigrationsPending, DoctorLevel.Error, $"platform scripts not applied: {string.Join(", ", pending)}", "./ipai up"));
            }
        }
        var lastScripts = await provisioner.LastScriptsAsync(cancellationToken);
        foreach (var tenant in tenants.Where(t => t.State == TenantState.Active))
        {
            var recorded = lastScripts.GetValueOrDefault(tenant.Code);
            if (recorded == provisioner.ScriptsFingerprint) continue;
            findings.Add(new(Checks.MigrationsPending, DoctorLevel.Warn,
                $"tenant {tenant.Code} was last provisioned with tenant scripts {Short(recorded)}, this build has {Short(provisioner.ScriptsFingerprint)}",
                "./ipai migrate --all"));
        }
        return findings;
    }

    private static string Short(string? fingerprint) => fingerprint is null ? "(not recorded)" : fingerprint[..Math.Min(12, fingerprint.Length)];

    /// <summary>Each tenant's last provisioning run: unfinished with nobody holding the tenant's lock (stuck), or failed; tenants left in provisioning.</summary>
    private async Task<IEnumerable<DoctorFinding>> ProvisionRunsAsync(IReadOnlyList<Tenant> tenants, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var runs = (await connection.QueryAsync<LastRun>(new CommandDefinition("""
            SELECT DISTINCT ON (r.tenant_code) r.tenant_code AS Code, r.started_at AS StartedAt, r.finished_at AS FinishedAt,
                   r.outcome AS Outcome, r.error AS Error, r.host AS Host, r.pid AS Pid,
                   EXISTS (SELECT 1 FROM pg_locks l
                           WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                             AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                             AND ((l.classid::bigint << 32) | l.objid::bigint) = hashtextextended(@prefix || r.tenant_code, 0)) AS Locked
            FROM ipai_provision_run r
            ORDER BY r.tenant_code, r.started_at DESC
            """, new { prefix = TenantProvisioner.LockKey("") }, cancellationToken: cancellationToken))).ToDictionary(r => r.Code, StringComparer.Ordinal);
        var findings = new List<DoctorFinding>();
        foreach (var tenant in tenants.Where(t => t.State != TenantState.Archived))
        {
            var fix = $"./ipai tenant provision {tenant.Code}";
            var run = runs.GetValueOrDefault(tenant.Code);
            if (run is { FinishedAt: null, Locked: false })
            {
                findings.Add(new(Checks.ProvisionRuns, DoctorLevel.Error,
                    $"tenant {tenant.Code}: run started {run.StartedAt:u} on {run.Host ?? "?"} (pid {run.Pid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}) never finished and no session holds its lock (stuck)", fix));
            }
            else if (run is { Outcome: "failed" })
            {
                findings.Add(new(Checks.ProvisionRuns, DoctorLevel.Error,
                    $"tenant {tenant.Code}: last run failed at {run.FinishedAt:u}: {Sql.Printable(run.Error, 200)}", fix));
            }
            else if (tenant.State == TenantState.Provisioning && run is not { FinishedAt: null, Locked: true })
            {
                findings.Add(new(Checks.ProvisionRuns, DoctorLevel.Error, $"tenant {tenant.Code} is in state provisioning and no run is in progress", fix));
            }
        }
        return findings;
    }

    private sealed record LastRun(string Code, DateTime StartedAt, DateTime? FinishedAt, string? Outcome, string? Error, string? Host, int? Pid, bool Locked);

    /// <summary>
    /// Orphans both ways: databases (<c>odoo_*</c>, or recorded as a tenant's) and schemas of the data database that
    /// no registry row names; registry rows (active, suspended) whose database or schema is missing.
    /// </summary>
    private async Task<IEnumerable<DoctorFinding>> StoresAsync(IReadOnlyList<Tenant> tenants, CancellationToken cancellationToken)
    {
        var environment = databases.Environment;
        var findings = new List<DoctorFinding>();
        var existing = await DatabaseNamesAsync(ServersOf(tenants), cancellationToken);
        var existingAtHome = existing.Where(d => d.Server == FleetServer.Home).Select(d => d.Name).ToHashSet(StringComparer.Ordinal);
        IReadOnlyList<string> schemas;
        HashSet<string> ownedSchemas;
        await using (var data = await databases.Data.OpenConnectionAsync(cancellationToken))
        {
            var rows = (await data.QueryAsync<(string Name, string Owner)>(new CommandDefinition(
                "SELECT nspname, pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY nspname",
                cancellationToken: cancellationToken))).ToList();
            schemas = rows.Select(r => r.Name).ToList();
            // Provisioning makes every tenant schema as the owner role: a schema of another owner (an extension's, such
            // as Supabase's pgsodium) is no tenant's, orphaned or not.
            var dataOwner = environment.DataServer == FleetServer.Home ? environment.Owner.Username : databases.OwnerRoleOn(environment.DataServer);
            ownedSchemas = rows.Where(r => r.Owner == dataOwner).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        }
        IReadOnlyList<string> recorded;
        await using (var platform = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            recorded = (await platform.QueryAsync<string>(new CommandDefinition(
                "SELECT name FROM ipai_tenant_resource WHERE kind = 'database'", cancellationToken: cancellationToken))).ToList();
        }

        var registeredDatabases = tenants.Where(t => t.DatabaseServer == FleetServer.Home).Select(t => t.DbName).Append(environment.PlatformDatabase)
            .Concat(environment.DataServer == FleetServer.Home ? [environment.DataDatabase] : []).ToHashSet(StringComparer.Ordinal);
        var psqlData = $"./ipai psql {environment.DataDatabase}";
        // Orphans are looked for at home, where every tenant database lived before the fleet grew (and where `tenant move` leaves an archived copy until --purge).
        foreach (var name in existingAtHome.Where(d => d.StartsWith(Tenant.DatabasePrefix, StringComparison.Ordinal)).Concat(recorded.Where(existingAtHome.Contains))
            .Where(d => !registeredDatabases.Contains(d) && Sql.IsPlainIdentifier(d)).Distinct().Order(StringComparer.Ordinal))
        {
            findings.Add(new(Checks.OrphanDatabase, DoctorLevel.Warn, $"database {name} looks like a tenant's but no registry row names it",
                $"pg_dump -Fc -f {name}.dump {name} (if it holds data), then {psqlData} -c 'DROP DATABASE {Sql.Identifier(name)} WITH (FORCE)'"));
        }

        var registeredSchemas = tenants.Select(t => t.SupabaseSchema).ToHashSet(StringComparer.Ordinal);
        foreach (var schema in schemas.Where(s => ownedSchemas.Contains(s) && !registeredSchemas.Contains(s) && s != NonTenantSchema && TenantRules.SchemaError(s, s) is null))
        {
            findings.Add(new(Checks.OrphanSchema, DoctorLevel.Warn, $"schema {schema} in {environment.DataDatabaseText} looks like a tenant's but no registry row names it",
                $"pg_dump -Fc -n {schema} -f {schema}.dump {environment.DataDatabase} (if it holds data), then {psqlData} -c 'DROP SCHEMA {Sql.Identifier(schema)} CASCADE'"));
        }

        var schemaSet = schemas.ToHashSet(StringComparer.Ordinal);
        foreach (var tenant in tenants.Where(t => Stored.Contains(t.State)))
        {
            var fix = $"./ipai tenant provision {tenant.Code}";
            if (!existing.Contains((tenant.DatabaseServer, tenant.DbName)))
            {
                findings.Add(new(Checks.StoreMissing, DoctorLevel.Error,
                    $"tenant {tenant.Code} is {tenant.State.ToString().ToLowerInvariant()} but its database {tenant.DbName} does not exist on server {tenant.DatabaseServer}", fix));
            }
            if (!schemaSet.Contains(tenant.SupabaseSchema))
            {
                findings.Add(new(Checks.StoreMissing, DoctorLevel.Error,
                    $"tenant {tenant.Code} is {tenant.State.ToString().ToLowerInvariant()} but its schema {tenant.SupabaseSchema} does not exist in {environment.DataDatabaseText}", fix));
            }
        }
        if (findings.Count == 0)
        {
            findings.Add(new(Checks.StoreMissing, DoctorLevel.Ok, "every active or suspended tenant has its database and schema; no orphan database or schema"));
        }
        return findings;
    }

    /// <summary>The schema the tenant-context functions live in (<c>db/tenant_context</c>): never a tenant's.</summary>
    private const string NonTenantSchema = "ipai";

    /// <summary>Template databases this build would not use (another build's scripts), and half-built ones a crash left (<c>*_build</c>).</summary>
    private async Task<IEnumerable<DoctorFinding>> TemplatesAsync(IReadOnlyList<Tenant> tenants, CancellationToken cancellationToken)
    {
        var templates = (await DatabaseNamesAsync([FleetServer.Home], cancellationToken)).Select(d => d.Name).Where(d => d.StartsWith(DatabaseTemplates.Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (templates.Count == 0) return [];
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tenant in tenants.Where(t => t.State != TenantState.Archived)) current.Add(await provisioner.TemplateNameAsync(tenant, cancellationToken));
        var psql = $"./ipai psql {databases.Environment.HomeDatabase}";
        var findings = new List<DoctorFinding>();
        foreach (var name in templates.Where(Sql.IsPlainIdentifier))
        {
            if (name.EndsWith(DatabaseTemplates.BuildSuffix, StringComparison.Ordinal))
            {
                findings.Add(new(Checks.TemplateLeftover, DoctorLevel.Warn, $"database {name} is a template build a crash left behind (the next provisioning run drops it too)",
                    $"{psql} -c 'ALTER DATABASE {Sql.Identifier(name)} IS_TEMPLATE false' -c 'DROP DATABASE {Sql.Identifier(name)} WITH (FORCE)'"));
            }
            else if (!current.Contains(name))
            {
                findings.Add(new(Checks.TemplateLeftover, DoctorLevel.Warn, $"template {name} is not this build's (no tenant would be provisioned from it)",
                    $"{psql} -c 'ALTER DATABASE {Sql.Identifier(name)} IS_TEMPLATE false' -c 'DROP DATABASE {Sql.Identifier(name)}'"));
            }
        }
        return findings;
    }

    /// <summary>Free space of the file system holding the managed cluster's data folder (an external server's disk is its provider's).</summary>
    private Task<DoctorFinding> DiskSpaceAsync(CancellationToken cancellationToken)
    {
        _ = cancellationToken;
        if (source.Mode == PlatformMode.External || source.Cluster.State is not { } state)
        {
            return Task.FromResult(new DoctorFinding(Checks.DiskSpace, DoctorLevel.Ok, "no managed cluster here: the server's disk is not checked"));
        }
        var folder = Path.Combine(state.ClusterDir, "data");
        var drive = new DriveInfo(Directory.Exists(folder) ? folder : state.ClusterDir);
        var free = drive.AvailableFreeSpace;
        var share = drive.TotalSize > 0 ? (double)free / drive.TotalSize : 1;
        var text = $"{folder}: {free / (1L << 20):N0} MB free of {drive.TotalSize / (1L << 20):N0} MB ({share:P0})";
        return Task.FromResult(free < MinFreeBytes || share < MinFreeShare
            ? new DoctorFinding(Checks.DiskSpace, DoctorLevel.Warn, text,
                $"free space on the file system of {folder} (du -sh {state.ClusterDir}; old archives; ./ipai tenant deprovision CODE for tenants no longer used)")
            : new DoctorFinding(Checks.DiskSpace, DoctorLevel.Ok, text));
    }

    /// <summary>Paused webhooks, and webhooks with failed deliveries in the last week or deliveries pending after many attempts.</summary>
    private async Task<IEnumerable<DoctorFinding>> WebhooksAsync(CancellationToken cancellationToken)
    {
        var findings = new List<DoctorFinding>();
        var hooks = await webhooks.ListAsync(cancellationToken);
        foreach (var hook in hooks.Where(h => h.State == Webhook.Paused))
        {
            findings.Add(new(Checks.Webhooks, DoctorLevel.Warn, $"webhook {hook.Id} ({hook.Url}) is paused: {hook.PausedReason}",
                $"./ipai webhook resume {hook.Id}"));
        }
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var failing = await connection.QueryAsync<(long Id, long Failed, long Retrying, string? LastError)>(new CommandDefinition("""
            SELECT webhook_id, count(*) FILTER (WHERE state = 'failed'), count(*) FILTER (WHERE state = 'pending'),
                   (array_agg(last_error ORDER BY created_at DESC))[1]
            FROM ipai_webhook_delivery
            WHERE (state = 'failed' AND finished_at > @since) OR (state = 'pending' AND attempts >= @many)
            GROUP BY webhook_id ORDER BY webhook_id
            """, new { since = time.GetUtcNow().AddDays(-7), many = ManyAttempts }, cancellationToken: cancellationToken));
        foreach (var (id, failed, retrying, lastError) in failing)
        {
            if (hooks.Any(h => h.Id == id && h.State == Webhook.Paused)) continue;
            findings.Add(new(Checks.Webhooks, DoctorLevel.Warn,
                $"webhook {id}: {failed} delivery(ies) failed in the last 7 days, {retrying} still retrying after {ManyAttempts}+ attempts (last error: {Sql.Printable(lastError, 120)})",
                $"./ipai webhook deliveries {id} (then ./ipai webhook test {id})"));
        }
        return findings;
    }

    /// <summary>The databases of each of <paramref name="servers"/> (one other than home that does not answer lists none).</summary>
    private async Task<HashSet<(string Server, string Name)>> DatabaseNamesAsync(IEnumerable<string> servers, CancellationToken cancellationToken)
    {
        var names = new HashSet<(string Server, string Name)>();
        foreach (var server in servers.Distinct(StringComparer.Ordinal))
        {
            try
            {
                foreach (var name in await databases.DatabaseNamesAsync(server, cancellationToken)) names.Add((server, name));
            }
            catch (Exception e) when (server != FleetServer.Home && e is NpgsqlException or TimeoutException)
            {
                // Its tenants' databases are reported missing, and connectivity names the server.
            }
        }
        return names;
    }

    /// <summary>The servers that hold something of the platform's: home, the data server, and every server <paramref name="tenants"/> live on.</summary>
    private IEnumerable<string> ServersOf(IReadOnlyList<Tenant> tenants) =>
        tenants.Select(t => t.DatabaseServer).Prepend(databases.Environment.DataServer).Prepend(FleetServer.Home);
}
