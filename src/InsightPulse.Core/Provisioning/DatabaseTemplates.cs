using System.Security.Cryptography;
using System.Text;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// The fast path of step 3: one template database per set of database modules, named after a hash of their
/// scripts (<c>ipai_template_&lt;hash&gt;</c>), so that a tenant database is a <c>CREATE DATABASE … TEMPLATE</c>
/// copy instead of a run of every migration. A changed script changes the hash: a stale template is never used.
/// A template is built under another name, marked IS_TEMPLATE with connections refused (PostgreSQL cannot copy a
/// database that has sessions), and only then renamed: the final name never names anything but a complete template,
/// whichever statement a crash stops at. What a crash leaves (a build, marked or not; a complete database under the
/// final name not marked, as builds before this one could leave) is dropped and built again by the next run.
/// </summary>
public sealed class DatabaseTemplates(PlatformDatabases databases)
{
    public const string Prefix = Tenants.TenantRules.TemplateDatabasePrefix;
    /// <summary>The suffix of a template while it is built (renamed when complete; left behind by a crash).</summary>
    public const string BuildSuffix = "_build";

    /// <summary>The template's name for these scripts (tenant context first, then the modules in install order).</summary>
    public static string NameFor(IEnumerable<Migration> tenantContext, IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(tenantContext);
        ArgumentNullException.ThrowIfNull(modules);
        var text = new StringBuilder();
        foreach (var migration in tenantContext) text.Append("tenant_context/").Append(migration.Id).Append('=').Append(migration.Checksum).Append('\n');
        foreach (var module in modules)
        {
            foreach (var migration in module.Migrations) text.Append(module.Scope).Append('/').Append(migration.Id).Append('=').Append(migration.Checksum).Append('\n');
        }
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Prefix + Convert.ToHexStringLower(hash)[..16];
    }

    /// <summary>
    /// The template <paramref name="name"/> on fleet server <paramref name="server"/> (each server has its own
    /// templates: PostgreSQL copies a database within one server only), built with <paramref name="build"/> (which gets
    /// the new database) if it does not exist yet, owned by the owner role there. Returns true when this call built it.
    /// </summary>
    public async Task<bool> EnsureAsync(string server, string name, Func<NpgsqlDataSource, Task> build, Action<string>? faultPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (!name.StartsWith(Prefix, StringComparison.Ordinal)) throw new ArgumentException($"A template's name starts with {Prefix}.", nameof(name));
        var owner = databases.OwnerRoleOn(server);
        await using var data = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
        if (await ExistsAsync(data, name, cancellationToken)) return false;

        await using (await AdvisoryLock.AcquireAsync(data, "ipai:template:" + name, cancellationToken))
        {
            if (await ExistsAsync(data, name, cancellationToken)) return false; // built while we waited
            var building = name + BuildSuffix;
            // What a crash left: a build (marked a template or not), or the final name not marked. Start over.
            await DropLeftoverAsync(data, server, building, cancellationToken);
            await DropLeftoverAsync(data, server, name, cancellationToken);
            await data.ExecuteAsync(new CommandDefinition(
                $"CREATE DATABASE {Sql.Identifier(building)} OWNER {Sql.Identifier(owner)} ENCODING 'UTF8' TEMPLATE template0", cancellationToken: cancellationToken));
            var source = databases.GetAsOwner(server, building);
            await build(source);
            await databases.ForgetAsync(server, building, databases.OwnerOn(server));
            faultPoint?.Invoke("database:template");
            await data.ExecuteAsync(new CommandDefinition(
                $"ALTER DATABASE {Sql.Identifier(building)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", cancellationToken: cancellationToken));
            faultPoint?.Invoke("database:template_marked");
            await data.ExecuteAsync(new CommandDefinition(
                $"ALTER DATABASE {Sql.Identifier(building)} RENAME TO {Sql.Identifier(name)}", cancellationToken: cancellationToken));
            return true;
        }
    }

    /// <summary>
    /// Drops <paramref name="database"/> if it exists: a template must be unmarked first (PostgreSQL refuses to drop
    /// one), and WITH (FORCE) ends sessions a killed process left behind.
    /// </summary>
    private static async Task DropLeftoverAsync(NpgsqlConnection data, string server, string database, CancellationToken cancellationToken)
    {
        var marked = await data.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT datistemplate FROM pg_database WHERE datname = @database", new { database }, cancellationToken: cancellationToken));
        if (marked is null) return;
        if (marked == true)
        {
            await data.ExecuteAsync(new CommandDefinition($"ALTER DATABASE {Sql.Identifier(database)} WITH IS_TEMPLATE false", cancellationToken: cancellationToken));
        }
        await DatabaseSessions.DropAsync(data, server, database, "run the provisioning again", cancellationToken);
    }

    private static Task<bool> ExistsAsync(NpgsqlConnection data, string name, CancellationToken cancellationToken) =>
        data.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name AND datistemplate)", new { name }, cancellationToken: cancellationToken));
}
