using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Events;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// <c>tenant deprovision</c> and <c>tenant restore</c>. Deprovisioning archives the tenant (pg_dump, custom format,
/// plus a manifest of row counts and checksums), proves the archive can be listed, marks the tenant Archived and
/// only then drops its database, schema and rows. Restoring loads an archive back, proves every table's count and
/// checksum match the manifest, and provisions the tenant to Active. Reading every row needs a role that bypasses
/// RLS: the owner if it may, else the operator role through SET ROLE / <c>pg_dump --role</c>.
/// </summary>
public sealed class TenantArchiver(
    PlatformDatabases databases,
    PlatformEnvironmentSource source,
    TenantRegistry registry,
    TenantModules tenantModules,
    ModuleCatalog catalog,
    TenantProvisioner provisioner,
    AdminPassword adminPassword)
{
    /// <summary>What a deprovision did: the archive folder (null with --no-archive) and what it dropped.</summary>
    public sealed record DeprovisionResult(string Tenant, string? Archive, IReadOnlyList<string> Dropped, bool Changed);

    /// <summary>What a restore did: the archive, the tables it verified, and the provisioning run that made the tenant Active.</summary>
    public sealed record RestoreResult(string Tenant, string Archive, int TablesVerified, long RowsVerified, ProvisionResult Provisioning);

    private PlatformEnvironment Environment => databases.Environment;

    private bool SharesPlatformDatabase(Tenant tenant) => tenant.DbName == Environment.PlatformDatabase;

    private static string Retry(Tenant tenant) => $"run `./ipai tenant deprovision {tenant.Code}` again";

    /// <summary>
    /// Deletes every tenant whose code starts with <paramref name="codePrefix"/> (benchmark tenants): deprovisioned
    /// without an archive, its record deleted, its generated admin password and its BI service account's password
    /// forgotten (a tenant made later under the same code must not inherit them). <paramref name="onFound"/> hears how
    /// many before the first goes; returns that number.
    /// </summary>
    public async Task<int> DeleteAllAsync(string codePrefix, Action<int>? onFound, CancellationToken cancellationToken)
    {
        var tenants = (await registry.ListAsync(cancellationToken)).Where(t => t.Code.StartsWith(codePrefix, StringComparison.Ordinal)).ToList();
        if (tenants.Count > 0) onFound?.Invoke(tenants.Count);
        foreach (var tenant in tenants)
        {
            await DeprovisionAsync(tenant.Code, archiveRoot: null, cancellationToken);
            await registry.DeleteAsync(tenant.Code, cancellationToken);
            adminPassword.Forget(tenant.Code);
            if (source.Cluster.Secrets.Exists(BiServiceAccount.SecretName(tenant.Code))) source.Cluster.Secrets.Delete(BiServiceAccount.SecretName(tenant.Code));
        }
        return tenants.Count;
    }

    /// <summary>Archives the tenant into a new folder under <paramref name="archiveRoot"/> (null: no archive), then drops it.</summary>
    public async Task<DeprovisionResult> DeprovisionAsync(string code, string? archiveRoot, CancellationToken cancellationToken)
    {
        var tenant = await registry.GetAsync(code, cancellationToken);
        if (tenant.Code == Tenant.PlatformCode) throw new ProvisioningException("The platform tenant holds the registry and cannot be deprovisioned.");
        await using var tenantLock = await LockAsync(tenant.Code, cancellationToken);
        tenant = await registry.GetAsync(code, cancellationToken);
        var leftovers = await ResourcesAsync(tenant.Code, cancellationToken);
        if (tenant.State == TenantState.Archived && leftovers.Count == 0 && !await HasSharedRowsAsync(tenant, cancellationToken))
        {
            return new DeprovisionResult(tenant.Code, null, [], Changed: false);
        }

        if (!SharesPlatformDatabase(tenant) && await DatabaseExistsAsync(tenant.DatabaseServer, tenant.DbName, cancellationToken))
        {
            // A session the owner cannot end would stop the drop after the archive and the state change: refused before either.
            await using var maintenance = await databases.Maintenance(tenant.DatabaseServer).OpenConnectionAsync(cancellationToken);
            await DatabaseSessions.RefuseUnendableAsync(maintenance, tenant.DatabaseServer, tenant.DbName, Retry(tenant), cancellationToken);
        }
        string? archive = null;
        if (archiveRoot is not null && tenant.State != TenantState.Archived)
        {
            archive = await ArchiveAsync(tenant, archiveRoot, cancellationToken);
        }
        // Archived first: from here on nothing routes to the tenant, and a run killed during the drops is
        // completed by running deprovision again.
        // A run that crashed left the tenant Provisioning; it goes back to Draft on its way to Archived.
        if (tenant.State == TenantState.Provisioning) tenant = await registry.SetStateAsync(tenant.Code, TenantState.Draft, cancellationToken);
        if (tenant.State != TenantState.Archived) tenant = await registry.SetStateAsync(tenant.Code, TenantState.Archived, SchemaChanges.TenantArchived, null, cancellationToken);
        var dropped = await DropAsync(tenant, cancellationToken);
        return new DeprovisionResult(tenant.Code, archive, dropped, Changed: true);
    }

    /// <summary>Loads the archive back into an Archived tenant, verifies every table against the manifest, and provisions it.</summary>
    public async Task<RestoreResult> RestoreAsync(string code, string archive, CancellationToken cancellationToken)
    {
        var manifest = TenantArchiveManifest.Read(archive);
        var tenant = await registry.GetAsync(code, cancellationToken);
        if (manifest.Tenant != tenant.Code) throw new InvalidInputException($"--from: '{Sql.Printable(archive, 100)}' is an archive of tenant '{manifest.Tenant}', not of '{tenant.Code}'.");
        if (tenant.State != TenantState.Archived)
        {
            throw new ProvisioningException($"Tenant '{tenant.Code}' is {TenantLifecycle.ToText(tenant.State)}: only an archived tenant can be restored (deprovision it first).");
        }
        if (tenant.DbName != manifest.Record.DbName || tenant.SupabaseSchema != manifest.Record.SupabaseSchema)
        {
            throw new ProvisioningException(
                $"Tenant '{tenant.Code}' now uses database {tenant.DbName} and schema {tenant.SupabaseSchema}, the archive {manifest.Record.DbName} and {manifest.Record.SupabaseSchema}: set them back with `./ipai tenant update` first.");
        }
        // Every module the archive names must exist in this build, and every dump must hold the tenant's store and nothing
        // else, before anything is recorded.
        var modules = manifest.Modules.Select(m => catalog.Get(m.Name).Name).Except(ModuleCatalog.BaseModules).ToList();
        foreach (var part in manifest.Parts.Where(p => p.Kind is "database" or "schema")) await CheckDumpAsync(tenant, archive, part, cancellationToken);

        (int Tables, long Rows) verified;
        await using (var tenantLock = await LockAsync(tenant.Code, cancellationToken))
        {
            foreach (var module in modules) await tenantModules.AddAsync(tenant.Code, module, cancellationToken);
            foreach (var part in manifest.Parts) await RestorePartAsync(tenant, archive, part, cancellationToken);
            verified = await VerifyAsync(tenant, manifest, cancellationToken);
        }
        // Provisioning takes the tenant's lock itself, after ours is released; it finds the restored objects
        // complete and makes the tenant Active.
        var run = await provisioner.ProvisionAsync(tenant.Code, new TenantProvisioner.Options(Restore: true), null, null, cancellationToken);
        return new RestoreResult(tenant.Code, archive, verified.Tables, verified.Rows, run);
    }

    private async Task<string> ArchiveAsync(Tenant tenant, string archiveRoot, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(Path.GetFullPath(archiveRoot), $"{tenant.Code}-{DateTimeOffset.UtcNow:yyyyMMdd'T'HHmmss'Z'}");
        if (Directory.Exists(folder)) throw new ProvisioningException($"{folder} exists already: wait a second and run again.");
        Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var readers = new Dictionary<string, string?>(StringComparer.Ordinal) { [FleetServer.Home] = await ReaderRoleAsync(FleetServer.Home, cancellationToken) };
        async Task<string?> ReaderOn(string server) => readers.TryGetValue(server, out var known) ? known : readers[server] = await ReaderRoleAsync(server, cancellationToken);
        var reader = readers[FleetServer.Home];
        var parts = new List<TenantArchiveManifest.Part>();
        if (!SharesPlatformDatabase(tenant) && await DatabaseExistsAsync(tenant.DatabaseServer, tenant.DbName, cancellationToken))
        {
            parts.Add(await DumpAsync("database", tenant.DbName, tenant.DatabaseServer, tenant.DbName, null, folder, "database.dump", await ReaderOn(tenant.DatabaseServer), cancellationToken));
        }
        if (tenant.SupabaseSchema != "public" && await SchemaExistsAsync(tenant.SupabaseSchema, cancellationToken))
        {
            parts.Add(await DumpAsync("schema", tenant.SupabaseSchema, Environment.DataServer, Environment.DataDatabase, tenant.SupabaseSchema, folder, "schema.dump",
                await ReaderOn(Environment.DataServer), cancellationToken));
        }
        if (SharesPlatformDatabase(tenant))
        {
            parts.Add(await ExportSharedRowsAsync(tenant, folder, reader, cancellationToken));
        }
        var modules = catalog.InstallOrder(ModuleCatalog.BaseModules.Concat(await tenantModules.ListAsync(tenant.Code, cancellationToken)))
            .Select(m => new TenantArchiveManifest.ModuleVersion(m.Name, m.Version)).ToList();
        var manifest = new TenantArchiveManifest(TenantArchiveManifest.CurrentFormat, tenant.Code, DateTimeOffset.UtcNow,
            await databases.ServerVersionAsync(cancellationToken), tenant, modules, parts);
        var path = Path.Combine(folder, TenantArchiveManifest.FileName);
        await File.WriteAllTextAsync(path + ".tmp", JsonSerializer.Serialize(manifest, TenantArchiveManifest.Json), cancellationToken);
        File.Move(path + ".tmp", path);
        // The archive holds the tenant's data: only its owner may read it.
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories))
        {
            File.SetUnixFileMode(entry, Directory.Exists(entry)
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return folder;
    }

    /// <summary>
    /// Copies database <paramref name="database"/> from fleet server <paramref name="from"/> into the empty database of
    /// the same name on <paramref name="to"/> (<c>tenant move</c>): <c>pg_dump</c> read as a role that bypasses RLS,
    /// into a file of a private temporary folder, then <c>pg_restore</c> as the owner there in one transaction.
    /// </summary>
    internal async Task CopyDatabaseAsync(string from, string to, string database, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("ipai-move-");
        try
        {
            File.SetUnixFileMode(folder.FullName, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var path = Path.Combine(folder.FullName, "database.dump");
            await PgDumpAsync(from, database, null, await ReaderRoleAsync(from, cancellationToken), path, cancellationToken);
            await PgRestoreAsync(to, database, path, cancellationToken);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private async Task<TenantArchiveManifest.Part> DumpAsync(
        string kind, string name, string server, string database, string? schema, string folder, string file, string? reader, CancellationToken cancellationToken)
    {
        var path = Path.Combine(folder, file);
        await PgDumpAsync(server, database, schema, reader, path, cancellationToken);
        // The archive must be readable before anything is dropped.
        var listing = await RunAsync("pg_restore", ["--list", path], server, database, cancellationToken);
        if (!listing.Output.Contains(" TABLE ", StringComparison.Ordinal) && !listing.Output.Contains(" SCHEMA ", StringComparison.Ordinal))
        {
            throw new ProvisioningException($"pg_restore --list found nothing in {path}: the archive is not usable, nothing was dropped.");
        }
        var tables = await ChecksumsAsync(server, database, schema ?? "public", null, reader, cancellationToken);
        return new TenantArchiveManifest.Part(kind, name, file, await Sha256Async(path, cancellationToken), tables);
    }

    /// <summary>The tenant's rows of the platform database's module tables (tenants that share it), a COPY file per table.</summary>
    private async Task<TenantArchiveManifest.Part> ExportSharedRowsAsync(Tenant tenant, string folder, string? reader, CancellationToken cancellationToken)
    {
        const string Folder = "platform_rows";
        Directory.CreateDirectory(Path.Combine(folder, Folder));
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await TenantContext.SetAsync(connection, null, tenant.Code, cancellationToken);
        foreach (var table in await SharedTablesAsync(connection, cancellationToken))
        {
            await using var writer = File.CreateText(Path.Combine(folder, Folder, table + ".copy"));
            using var export = await connection.BeginTextExportAsync(
                $"COPY (SELECT * FROM public.{Sql.Identifier(table)} WHERE tenant_id = {Sql.Literal(tenant.Code)}) TO STDOUT", cancellationToken);
            await writer.WriteAsync(await export.ReadToEndAsync(cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        var tables = await ChecksumsAsync(FleetServer.Home, Environment.PlatformDatabase, "public", tenant.Code, reader, cancellationToken);
        var digest = new System.Text.StringBuilder();
        foreach (var file in Directory.GetFiles(Path.Combine(folder, Folder)).Order(StringComparer.Ordinal))
        {
            digest.Append(Path.GetFileName(file)).Append('=').Append(await Sha256Async(file, cancellationToken)).Append('\n');
        }
        await File.WriteAllTextAsync(Path.Combine(folder, Folder + ".sha256"), digest.ToString(), cancellationToken);
        return new TenantArchiveManifest.Part("rows", Environment.PlatformDatabase, Folder + ".sha256", await Sha256Async(Path.Combine(folder, Folder + ".sha256"), cancellationToken), tables);
    }

    private async Task<List<string>> DropAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        var dropped = new List<string>();
        await using var data = await databases.Data.OpenConnectionAsync(cancellationToken);
        if (!SharesPlatformDatabase(tenant) && await DatabaseExistsAsync(tenant.DatabaseServer, tenant.DbName, cancellationToken))
        {
            await databases.ForgetTenantDatabaseEverywhereAsync(tenant.DatabaseServer, tenant.DbName);
            await using var maintenance = await databases.Maintenance(tenant.DatabaseServer).OpenConnectionAsync(cancellationToken);
            await DatabaseSessions.DropAsync(maintenance, tenant.DatabaseServer, tenant.DbName, Retry(tenant), cancellationToken);
            dropped.Add(tenant.DatabaseServer == FleetServer.Home ? $"database {tenant.DbName}" : $"database {tenant.DbName} on server {tenant.DatabaseServer}");
        }
        if (tenant.SupabaseSchema != "public" && await SchemaExistsAsync(tenant.SupabaseSchema, cancellationToken))
        {
            await data.ExecuteAsync(new CommandDefinition($"DROP SCHEMA {Sql.Identifier(tenant.SupabaseSchema)} CASCADE", cancellationToken: cancellationToken));
            dropped.Add(Environment.DataServer == FleetServer.Home ? $"schema {tenant.SupabaseSchema}" : $"schema {tenant.SupabaseSchema} on server {Environment.DataServer}");
        }
        if (SharesPlatformDatabase(tenant))
        {
            var rows = await DeleteSharedRowsAsync(tenant.Code, cancellationToken);
            if (rows > 0) dropped.Add($"{rows} row(s) in {Environment.PlatformDatabase}");
        }
        await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await platform.ExecuteAsync(new CommandDefinition("""
            DELETE FROM ipai_tenant_resource WHERE tenant_code = @code;
            DELETE FROM ipai_bi_workspace WHERE tenant_code = @code;
            """, new { code = tenant.Code }, cancellationToken: cancellationToken));
        return dropped;
    }

    /// <summary>Deletes the tenant's rows of the shared module tables, dependents first (reverse install order).</summary>
    private async Task<int> DeleteSharedRowsAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantContext.SetAsync(connection, null, code, cancellationToken);
        var rows = 0;
        foreach (var table in (await SharedTablesAsync(connection, cancellationToken)).AsEnumerable().Reverse())
        {
            rows += await connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM public.{Sql.Identifier(table)} WHERE tenant_id = @code", new { code }, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return rows;
    }

    private async Task RestorePartAsync(Tenant tenant, string archive, TenantArchiveManifest.Part part, CancellationToken cancellationToken)
    {
        var path = Path.Combine(archive, part.File);
        switch (part.Kind)
        {
            case "database":
                if (await DatabaseExistsAsync(tenant.DatabaseServer, tenant.DbName, cancellationToken)) throw new ProvisioningException($"Database {tenant.DbName} exists: drop it (or deprovision the tenant) before restoring.");
                await TenantResourceLedger.RecordAsync(databases.Platform, tenant.Code, "database", tenant.DbName, null, adopted: false, cancellationToken);
                await using (var maintenance = await databases.Maintenance(tenant.DatabaseServer).OpenConnectionAsync(cancellationToken))
                {
                    await maintenance.ExecuteAsync(new CommandDefinition(
                        $"CREATE DATABASE {Sql.Identifier(tenant.DbName)} OWNER {Sql.Identifier(databases.OwnerRoleOn(tenant.DatabaseServer))} ENCODING 'UTF8' TEMPLATE template0", cancellationToken: cancellationToken));
                }
                await PgRestoreAsync(tenant.DatabaseServer, tenant.DbName, path, cancellationToken);
                break;
            case "schema":
                if (await SchemaExistsAsync(tenant.SupabaseSchema, cancellationToken)) throw new ProvisioningException($"Schema {tenant.SupabaseSchema} exists: drop it (or deprovision the tenant) before restoring.");
                await TenantResourceLedger.RecordAsync(databases.Platform, tenant.Code, "schema", tenant.SupabaseSchema, null, adopted: false, cancellationToken);
                await PgRestoreAsync(Environment.DataServer, Environment.DataDatabase, path, cancellationToken);
                break;
            case "rows":
                await ImportSharedRowsAsync(tenant.Code, Path.Combine(archive, "platform_rows"), cancellationToken);
                break;
            default: // TenantArchiveManifest.Read let no other kind through
                throw new ProvisioningException($"The archive has a part of kind '{part.Kind}' that this build does not know.");
        }
    }

    /// <summary>What a tenant's store holds, as pg_restore --list names it; any other entry (a database, an event trigger, a publication, a foreign server…) is refused.</summary>
    private static readonly string[] StoreEntries =
    [
        "MATERIALIZED VIEW DATA", "SEQUENCE OWNED BY", "MATERIALIZED VIEW", "CHECK CONSTRAINT", "FK CONSTRAINT", "ROW SECURITY", "SEQUENCE SET", "TABLE DATA",
        "CONSTRAINT", "EXTENSION", "SEQUENCE", "FUNCTION", "TRIGGER", "COMMENT", "DEFAULT", "POLICY", "SCHEMA", "DOMAIN", "INDEX", "TABLE", "VIEW", "TYPE", "ACL",
    ];

    /// <summary>
    /// Refuses (<see cref="InvalidInputException"/>, naming the file) a dump pg_restore cannot read, or one that holds more
    /// than the tenant's store, read from <c>pg_restore --list</c> before anything is restored: an entry of a kind no store
    /// has, an extension other than plpgsql, and in the schema part any object outside the tenant's schema (a dump of another
    /// tenant's schema under this tenant's manifest, its checksum recomputed, must not create that schema).
    /// </summary>
    private async Task CheckDumpAsync(Tenant tenant, string archive, TenantArchiveManifest.Part part, CancellationToken cancellationToken)
    {
        string listing;
        try
        {
            listing = (await RunAsync("pg_restore", ["--list", Path.Combine(archive, part.File)], Environment.DataServer, Environment.DataDatabase, cancellationToken)).Output;
        }
        catch (ProvisioningException)
        {
            throw new InvalidInputException($"--from: {part.File} is not a dump pg_restore can read.");
        }
        foreach (var line in listing.Split('\n').Where(l => l.Length > 0 && l[0] != ';'))
        {
            var entry = line.Split(' ', 4) is [_, _, _, var rest] ? rest : "";
            var kind = StoreEntries.FirstOrDefault(e => entry.StartsWith(e + " ", StringComparison.Ordinal));
            var (space, tag) = kind is null ? ("", "") : entry[(kind.Length + 1)..].Split(' ', 2) is [var ns, var t] ? (ns, t) : ("", "");
            var fits = kind switch
            {
                null => false,
                "EXTENSION" => part.Kind == "database" && tag.StartsWith("plpgsql ", StringComparison.Ordinal),
                _ when part.Kind == "database" => true,
                "SCHEMA" => space == "-" && tag.StartsWith(tenant.SupabaseSchema + " ", StringComparison.Ordinal),
                "COMMENT" or "ACL" when space == "-" => tag.StartsWith($"SCHEMA {tenant.SupabaseSchema} ", StringComparison.Ordinal),
                _ => space == tenant.SupabaseSchema,
            };
            if (!fits)
            {
                throw new InvalidInputException($"--from: {part.File} holds '{Sql.Printable(entry, 80)}', which is not part of tenant {tenant.Code}'s {part.Kind}: nothing was restored.");
            }
        }
    }

    /// <summary>
    /// COPY cannot write into a table under RLS, so each file goes into a temporary copy of its table first and
    /// from there, under the tenant's context, into the table (ids kept: OVERRIDING SYSTEM VALUE).
    /// </summary>
    private async Task ImportSharedRowsAsync(string code, string folder, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantContext.SetAsync(connection, null, code, cancellationToken);
        foreach (var table in await SharedTablesAsync(connection, cancellationToken))
        {
            var file = Path.Combine(folder, table + ".copy");
            if (!File.Exists(file)) continue;
            var staging = Sql.Identifier("restore_" + table);
            await connection.ExecuteAsync(new CommandDefinition(
                $"CREATE TEMPORARY TABLE {staging} (LIKE public.{Sql.Identifier(table)}) ON COMMIT DROP", cancellationToken: cancellationToken));
            await using (var import = await connection.BeginTextImportAsync($"COPY {staging} FROM STDIN", cancellationToken))
            {
                await import.WriteAsync(await File.ReadAllTextAsync(file, cancellationToken));
            }
            await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO public.{Sql.Identifier(table)} OVERRIDING SYSTEM VALUE SELECT * FROM {staging} ON CONFLICT DO NOTHING", cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private async Task<(int Tables, long Rows)> VerifyAsync(Tenant tenant, TenantArchiveManifest manifest, CancellationToken cancellationToken)
    {
        var tables = 0;
        long rows = 0;
        foreach (var part in manifest.Parts)
        {
            var server = part.Kind switch { "database" => tenant.DatabaseServer, "schema" => Environment.DataServer, _ => FleetServer.Home };
            var reader = await ReaderRoleAsync(server, cancellationToken);
            var actual = part.Kind switch
            {
                "database" => await ChecksumsAsync(server, tenant.DbName, "public", null, reader, cancellationToken),
                "schema" => await ChecksumsAsync(server, Environment.DataDatabase, tenant.SupabaseSchema, null, reader, cancellationToken),
                _ => await ChecksumsAsync(server, Environment.PlatformDatabase, "public", tenant.Code, reader, cancellationToken),
            };
            var expected = part.Tables.ToDictionary(t => t.Table, StringComparer.Ordinal);
            var differences = actual.Where(t => !expected.TryGetValue(t.Table, out var e) || e != t).Select(t => t.Table)
                .Concat(expected.Keys.Except(actual.Select(t => t.Table), StringComparer.Ordinal)).ToList();
            if (differences.Count > 0)
            {
                throw new ProvisioningException(
                    $"The restored {part.Kind} {part.Name} differs from the archive in {string.Join(", ", differences)}: the tenant stays archived; inspect it, then drop it with `./ipai tenant deprovision {tenant.Code} --no-archive --yes` and restore again.");
            }
            tables += actual.Count;
            rows += actual.Sum(t => t.Rows);
        }
        return (tables, rows);
    }

    /// <summary>
    /// Row count and checksum of every table of a schema (only the tenant's rows when <paramref name="tenantCode"/>
    /// is given and the table has tenant_id), read as <paramref name="reader"/> so RLS hides nothing.
    /// </summary>
    internal async Task<IReadOnlyList<TenantArchiveManifest.TableChecksum>> ChecksumsAsync(
        string server, string database, string schema, string? tenantCode, string? reader, CancellationToken cancellationToken)
    {
        await using var connection = await databases.GetAsOwner(server, database).OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT set_config('TimeZone', 'UTC', true), set_config('DateStyle', 'ISO', true)", cancellationToken: cancellationToken));
        if (reader is not null) await connection.ExecuteAsync(new CommandDefinition($"SET LOCAL ROLE {Sql.Identifier(reader)}", cancellationToken: cancellationToken));
        var tables = (await connection.QueryAsync<(string Table, bool HasTenant)>(new CommandDefinition("""
            SELECT c.relname, EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relkind IN ('r', 'p') ORDER BY c.relname
            """, new { schema }, cancellationToken: cancellationToken))).ToList();
        var result = new List<TenantArchiveManifest.TableChecksum>();
        foreach (var (table, hasTenant) in tables)
        {
            if (tenantCode is not null && !hasTenant) continue;
            var filter = tenantCode is null ? "" : " WHERE t.tenant_id = @tenantCode";
            var (rows, checksum) = await connection.QuerySingleAsync<(long, string)>(new CommandDefinition(
                $"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') FROM {Sql.Identifier(schema)}.{Sql.Identifier(table)} t{filter}",
                new { tenantCode }, cancellationToken: cancellationToken));
            result.Add(new TenantArchiveManifest.TableChecksum($"{schema}.{table}", rows, checksum));
        }
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>
    /// The role that reads every row: none (the owner itself) when the owner is superuser or has BYPASSRLS, else the
    /// operator role when the owner may SET ROLE to it.
    /// </summary>
    internal async Task<string?> ReaderRoleAsync(string server, CancellationToken cancellationToken)
    {
        var operatorRole = source.Names.OperatorRole;
        await using var connection = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
        var (bypasses, canSwitch) = await connection.QuerySingleAsync<(bool, bool)>(new CommandDefinition("""
            SELECT r.rolsuper OR r.rolbypassrls,
                   CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = @operatorRole) THEN pg_has_role(current_user, @operatorRole, 'MEMBER') ELSE false END
            FROM pg_roles r WHERE r.rolname = current_user
            """, new { operatorRole }, cancellationToken: cancellationToken));
        if (bypasses) return null;
        if (canSwitch) return operatorRole;
        var owner = databases.OwnerRoleOn(server);
        throw new ProvisioningException(
            $"Archiving reads every row, and {owner} is bound by row-level security{(server == FleetServer.Home ? "" : $" on server {server}")}.",
            $"as a superuser there, `CREATE ROLE {operatorRole} NOLOGIN BYPASSRLS; GRANT pg_read_all_data TO {operatorRole}; GRANT {operatorRole} TO {owner};`.");
    }

    /// <summary>Module tables of the platform database that hold tenant rows, in creation order (dependencies first).</summary>
    private static async Task<IReadOnlyList<string>> SharedTablesAsync(NpgsqlConnection connection, CancellationToken cancellationToken) =>
        (await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
              AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
            ORDER BY c.oid
            """, cancellationToken: cancellationToken))).ToList();

    private async Task<bool> HasSharedRowsAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        if (!SharesPlatformDatabase(tenant)) return false;
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantContext.SetAsync(connection, null, tenant.Code, cancellationToken);
        foreach (var table in await SharedTablesAsync(connection, cancellationToken))
        {
            if (await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                    $"SELECT EXISTS (SELECT 1 FROM public.{Sql.Identifier(table)} WHERE tenant_id = @code)", new { code = tenant.Code }, cancellationToken: cancellationToken)))
            {
                return true;
            }
        }
        return false;
    }

    private async Task<IReadOnlyList<string>> ResourcesAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT kind || ' ' || name FROM ipai_tenant_resource WHERE tenant_code = @code", new { code }, cancellationToken: cancellationToken))).ToList();
    }

    internal async Task<bool> DatabaseExistsAsync(string server, string database, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", new { database }, cancellationToken: cancellationToken));
    }

    private async Task<bool> SchemaExistsAsync(string schema, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", new { schema }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// <c>pg_dump</c> of <paramref name="database"/> on <paramref name="server"/> (only <paramref name="schema"/> when
    /// given: a plain identifier, validated by the registry, so no pattern characters) into <paramref name="path"/>,
    /// custom format, read as <paramref name="reader"/> when given (a role that bypasses RLS).
    /// </summary>
    private async Task PgDumpAsync(string server, string database, string? schema, string? reader, string path, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "--format=custom", "--file=" + path, "--no-password" };
        if (schema is not null) arguments.Add("--schema=" + schema);
        if (reader is not null) arguments.Add("--role=" + reader);
        arguments.Add(database);
        await RunAsync("pg_dump", arguments, server, database, cancellationToken);
    }

    /// <summary><c>pg_restore</c> of the archive <paramref name="path"/> into <paramref name="database"/> on <paramref name="server"/>: in one transaction, stopping at the first error, everything owned by the login.</summary>
    private async Task PgRestoreAsync(string server, string database, string path, CancellationToken cancellationToken) =>
        await RunAsync("pg_restore", ["--exit-on-error", "--single-transaction", "--no-owner", "--no-password", "--dbname=" + database, path], server, database, cancellationToken);

    private async Task<ProcessRunner.Result> RunAsync(string program, IEnumerable<string> arguments, string server, string database, CancellationToken cancellationToken)
    {
        ProcessRunner.Result result;
        try
        {
            result = await ProcessRunner.RunAsync(program, arguments, null,
                databases.AddressOf(server).LibpqEnvironment(database, databases.OwnerOn(server), "ipai archive"), null, cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ProvisioningException($"{program} not found: install it with `apt-get install postgresql-client`.");
        }
        if (result.ExitCode != 0)
        {
            var detail = string.Join(' ', result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(4));
            throw new ProvisioningException($"{program} failed (exit {result.ExitCode}) on {database}: {detail}");
        }
        return result;
    }

    private static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }

    /// <summary>
    /// The tenant's provisioning lock (<see cref="TenantProvisioner.LockKey"/>), waited for up to 10 s: a web node's
    /// event dispatcher holds it for the moment it refreshes the tenant's BI datasets after a schema change (right after
    /// provisioning, say; `bench soak` met it), a provisioning run or a move for longer, and those are refused.
    /// </summary>
    private async Task<TenantLock> LockAsync(string code, CancellationToken cancellationToken)
    {
        databases.Environment.RequireSession($"Deprovisioning or restoring tenant '{code}'");
        var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var held = await AdvisoryLock.TryAcquireAsync(connection, TenantProvisioner.LockKey(code), cancellationToken);
            if (held is not null) return new TenantLock(connection, held);
            if (waited.Elapsed >= LockWait)
            {
                await connection.DisposeAsync();
                throw new ProvisioningException($"Tenant '{code}' is being provisioned, moved or refreshed right now (its lock was held for {LockWait.TotalSeconds:0} s): wait for that run to finish, then run again.");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    /// <summary>The lock and the connection that holds it, released together.</summary>
    private sealed class TenantLock(NpgsqlConnection connection, AdvisoryLock held) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await held.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
