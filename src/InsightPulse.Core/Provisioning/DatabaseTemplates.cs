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
/// A template is built under another name and renamed when complete, so a crash never leaves a half-built one
/// in use; it is marked IS_TEMPLATE with connections refused, because PostgreSQL cannot copy a database that
/// has sessions.
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
    public async Task<bool> EnsureAsync(string server, string name, Func<NpgsqlDataSource, Task> build, Action? beforeRename, CancellationToken cancellationToken)
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
            // A build left by a crash: start over (WITH (FORCE) ends sessions a killed process left behind).
            await data.ExecuteAsync(new CommandDefinition($"DROP DATABASE IF EXISTS {Sql.Identifier(building)} WITH (FORCE)", cancellationToken: cancellationToken));
            await data.ExecuteAsync(new CommandDefinition(
                $"CREATE DATABASE {Sql.Identifier(building)} OWNER {Sql.Identifier(owner)} ENCODING 'UTF8' TEMPLATE template0", cancellationToken: cancellationToken));
            var source = databases.GetAsOwner(server, building);
            await build(source);
            await databases.ForgetAsync(server, building, databases.OwnerOn(server));
            beforeRename?.Invoke();
            await data.ExecuteAsync(new CommandDefinition(
                $"ALTER DATABASE {Sql.Identifier(building)} RENAME TO {Sql.Identifier(name)}", cancellationToken: cancellationToken));
            await data.ExecuteAsync(new CommandDefinition(
                $"ALTER DATABASE {Sql.Identifier(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false", cancellationToken: cancellationToken));
            return true;
        }
    }

    private static Task<bool> ExistsAsync(NpgsqlConnection data, string name, CancellationToken cancellationToken) =>
        data.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @name AND datistemplate)", new { name }, cancellationToken: cancellationToken));
}
