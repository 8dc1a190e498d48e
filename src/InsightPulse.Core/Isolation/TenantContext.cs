using Dapper;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Isolation;

/// <summary>
/// The tenant context as the owner role sets it for its own work on tenant rows (provisioning, archiving, seeding,
/// the BI registry): <c>app.tenant_id</c> local to the current transaction (<c>set_config(…, true)</c>), so it ends
/// with it and never reaches the pooled connection's next user. Runtime roles get theirs from
/// <see cref="TenantDataAccess"/>.
/// </summary>
public static class TenantContext
{
    /// <summary>Sets <c>app.tenant_id</c> to <paramref name="tenantCode"/> for the rest of the transaction (<paramref name="transaction"/>, or the one the connection is in).</summary>
    public static async Task SetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT set_config('app.tenant_id', @tenantCode, true)", new { tenantCode }, transaction, cancellationToken: cancellationToken));
    }

    /// <summary>The journal scope of the tenant-context scripts (<c>db/tenant_context</c>).</summary>
    public const string Scope = "tenant_context";

    /// <summary>This build's tenant-context scripts: <c>ipai.current_tenant_id()</c> and its companions, in every tenant store's database.</summary>
    public static IReadOnlyList<Migration> Migrations { get; } = Migration.FromResources(typeof(TenantContext).Assembly, "tenant_context/");

    /// <summary>This build's tenant-context scripts by name and checksum, in one value (what a definition record says it was made by).</summary>
    public static string ScriptsFingerprint { get; } = Migration.Fingerprint(Migrations.Select(m => (Scope, m)));

    /// <summary>
    /// Records the definitions of the functions in schema <c>ipai</c> (<c>ipai.tenant_context_definition</c>) as this
    /// build's scripts made them; a record of this build's scripts is never overwritten, so a function changed by hand
    /// later stays different from its record. Call right after the scripts were applied to <paramref name="database"/>.
    /// </summary>
    public static async Task RecordDefinitionsAsync(NpgsqlDataSource database, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai.tenant_context_definition AS d (function, definition_md5, scripts)
            SELECT p.oid::regprocedure::text, md5(pg_get_functiondef(p.oid)), @scripts
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'ipai' AND p.prokind = 'f'
            ON CONFLICT (function) DO UPDATE SET definition_md5 = excluded.definition_md5, scripts = excluded.scripts, recorded_at = now()
            WHERE d.scripts <> excluded.scripts
            """, new { scripts = ScriptsFingerprint }, cancellationToken: cancellationToken));
    }

    /// <summary>
    /// The functions of schema <c>ipai</c> whose definition is not what this build's scripts made (changed or dropped
    /// by hand since): none where no record of this build's scripts exists yet (their run has not come).
    /// </summary>
    public static async Task<IReadOnlyList<string>> ChangedDefinitionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT to_regclass('ipai.tenant_context_definition') IS NOT NULL", cancellationToken: cancellationToken)))
        {
            return [];
        }
        return (await connection.QueryAsync<string>(new CommandDefinition("""
            SELECT d.function FROM ipai.tenant_context_definition d
            WHERE d.scripts = @scripts
              AND (to_regprocedure(d.function) IS NULL OR md5(pg_get_functiondef(to_regprocedure(d.function))) <> d.definition_md5)
            ORDER BY 1
            """, new { scripts = ScriptsFingerprint }, cancellationToken: cancellationToken))).ToList();
    }
}
