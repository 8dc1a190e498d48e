using System.Text.RegularExpressions;
using Dapper;
using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// Applies ordered SQL scripts to one schema of one database, each in its own transaction, recording them in a
/// journal (<c>&lt;schema&gt;.ipai_migration</c>: scope, id, checksum, applied_at). An advisory lock per schema makes
/// concurrent runs take turns; an applied script whose bytes changed is refused, never re-run. Each transaction
/// first sets <c>search_path</c> to the target schema and <c>app.tenant_id</c> to the target's tenant (both local
/// to the transaction), then runs the script with its placeholders replaced. A target with a tenant also gets, in the
/// same transaction, a row in its outbox (<c>&lt;schema&gt;.ipai_migration_event</c>): the schema-change event of that
/// script, which the relay (<c>SchemaEventOutbox</c>) moves to the platform database. Template databases (no tenant)
/// write none.
/// </summary>
public static partial class MigrationRunner
{
    /// <summary>The journal of applied scripts, in every target schema.</summary>
    public const string Journal = "ipai_migration";

    /// <summary>The outbox of schema-change events, next to the journal of a tenant's target.</summary>
    public const string EventOutbox = "ipai_migration_event";

    [GeneratedRegex(@"\$\{([a-z_]+)\}")]
    private static partial Regex Placeholder();

    /// <summary>Applies what is missing; returns the ids applied by this call (empty when all were there).</summary>
    public static Task<IReadOnlyList<string>> ApplyAsync(
        NpgsqlDataSource database, string scope, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken) =>
        ApplyAsync(database, MigrationTarget.Public, scope, migrations, null, cancellationToken);

    /// <summary>
    /// Applies what is missing in <paramref name="target"/>. <paramref name="afterEach"/> runs after each committed
    /// script, <paramref name="beforeCommit"/> before each commit (the provisioning engine's fault-injection points).
    /// </summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(
        NpgsqlDataSource database, MigrationTarget target, string scope, IReadOnlyList<Migration> migrations,
        Action<string>? afterEach, CancellationToken cancellationToken, Action<string>? beforeCommit = null)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(migrations);
        var journal = $"{Sql.Identifier(target.Schema)}.{Journal}";
        var outbox = $"{Sql.Identifier(target.Schema)}.{EventOutbox}";
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var schemaLock = await AdvisoryLock.AcquireAsync(connection, $"ipai_migration:{target.Schema}", cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"""
            CREATE TABLE IF NOT EXISTS {journal} (
                scope text NOT NULL,
                migration_id text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamp with time zone NOT NULL DEFAULT now(),
                PRIMARY KEY (scope, migration_id)
            );
            CREATE TABLE IF NOT EXISTS {outbox} (
                id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
                tenant_code text NOT NULL,
                scope text NOT NULL,
                migration_id text NOT NULL,
                installs_scope boolean NOT NULL,
                checksum text NOT NULL,
                occurred_at timestamp with time zone NOT NULL DEFAULT clock_timestamp()
            );
            """, cancellationToken: cancellationToken));
        var applied = (await connection.QueryAsync<(string Id, string Checksum)>(new CommandDefinition(
                $"SELECT migration_id, checksum FROM {journal} WHERE scope = @scope", new { scope }, cancellationToken: cancellationToken)))
            .ToDictionary(r => r.Id, r => r.Checksum, StringComparer.Ordinal);

        var done = new List<string>();
        foreach (var migration in Pending(applied, scope, migrations))
        {
            var sql = Substitute(migration, scope, target.Placeholders);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // The transaction's settings, the script's journal row and (for a tenant's target) its event in one round
            // trip before the script: all of it commits with the script, or none.
            await connection.ExecuteAsync(new CommandDefinition($"""
                {TargetContextSql};
                INSERT INTO {journal} (scope, migration_id, checksum) VALUES (@scope, @id, @checksum);
                {(target.TenantCode is null ? "" : EventInsert(journal, outbox))}
                """, new
            {
                path = Sql.Identifier(target.Schema), tenant = target.TenantCode ?? "", scope, id = migration.Id, checksum = migration.Checksum,
                installs = done.Count == 0 && applied.Count == 0,
            }, transaction, cancellationToken: cancellationToken));
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(sql, transaction: transaction, cancellationToken: cancellationToken));
            }
            catch (PostgresException e)
            {
                throw new MigrationFailedException($"{scope}/{migration.Id}", e);
            }
            beforeCommit?.Invoke(migration.Id);
            await transaction.CommitAsync(cancellationToken);
            done.Add(migration.Id);
            afterEach?.Invoke(migration.Id);
        }
        return done;
    }

    /// <summary>
    /// The scripts of <paramref name="scope"/> that the journal (<paramref name="applied"/>: id → checksum, of that
    /// scope) does not hold, in order; throws <see cref="MigrationChecksumException"/> when an applied one changed.
    /// </summary>
    public static IReadOnlyList<Migration> Pending(IReadOnlyDictionary<string, string> applied, string scope, IReadOnlyList<Migration> migrations)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(migrations);
        var pending = new List<Migration>();
        foreach (var migration in migrations)
        {
            if (!applied.TryGetValue(migration.Id, out var checksum))
            {
                pending.Add(migration);
            }
            else if (checksum != migration.Checksum)
            {
                throw new MigrationChecksumException(
                    $"Migration {scope}/{migration.Id} was changed after it was applied (checksum {checksum[..12]}… in the journal, {migration.Checksum[..12]}… now). " +
                    "Applied scripts are immutable: restore the file and put the change in a new script.");
            }
        }
        return pending;
    }

    /// <summary>
    /// The journal of <paramref name="schema"/> on an open connection, by scope (id → checksum); empty when the
    /// schema has none yet.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>> JournalAsync(
        NpgsqlConnection connection, string schema, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        IEnumerable<(string Scope, string Id, string Checksum)> rows;
        try
        {
            rows = await connection.QueryAsync<(string, string, string)>(new CommandDefinition(
                $"SELECT scope, migration_id, checksum FROM {Sql.Identifier(schema)}.{Journal}", cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedTable or PostgresErrorCodes.InvalidSchemaName)
        {
            rows = [];
        }
        return rows.GroupBy(r => r.Scope, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(r => r.Id, r => r.Checksum, StringComparer.Ordinal), StringComparer.Ordinal);
    }

    /// <summary>The event of a script, from the journal as it is with the script's row: its checksum covers every script applied.</summary>
    /// <summary>A script's transaction settings: its target's schema as the search path, and the target's tenant (or none).</summary>
    private const string TargetContextSql = "SELECT set_config('search_path', @path, true), set_config('app.tenant_id', @tenant, true)";

    private static string EventInsert(string journal, string outbox) => $"""
        INSERT INTO {outbox} (tenant_code, scope, migration_id, installs_scope, checksum)
        SELECT @tenant, @scope, @id, @installs,
               encode(sha256(convert_to(string_agg(scope || '/' || migration_id || ' ' || checksum, E'\n' ORDER BY scope || '/' || migration_id || ' ' || checksum COLLATE "C"), 'UTF8')), 'hex')
        FROM {journal};
        """;

    /// <summary>
    /// Runs again, in order and in one transaction, the scripts of <paramref name="scope"/> that the journal records as
    /// applied, leaving the journal as it is: a repair that puts back what they made (a policy dropped, row-level
    /// security disabled, a function replaced by hand). The scripts are re-runnable by convention (CREATE … IF NOT
    /// EXISTS, DROP POLICY IF EXISTS before CREATE POLICY, CREATE OR REPLACE, ON CONFLICT DO NOTHING); one that is
    /// not fails the whole repair and changes nothing. Returns the ids run.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ReapplyAsync(
        NpgsqlDataSource database, MigrationTarget target, string scope, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(migrations);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var schemaLock = await AdvisoryLock.AcquireAsync(connection, $"ipai_migration:{target.Schema}", cancellationToken);
        var applied = (await JournalAsync(connection, target.Schema, cancellationToken)).GetValueOrDefault(scope) ?? new Dictionary<string, string>();
        Pending(applied, scope, migrations); // refuses a script changed since it was applied
        var again = migrations.Where(m => applied.ContainsKey(m.Id)).ToList();
        if (again.Count == 0) return [];
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(TargetContextSql,
            new { path = Sql.Identifier(target.Schema), tenant = target.TenantCode ?? "" }, transaction, cancellationToken: cancellationToken));
        foreach (var migration in again)
        {
            try
            {
                await connection.ExecuteAsync(new CommandDefinition(Substitute(migration, scope, target.Placeholders), transaction: transaction, cancellationToken: cancellationToken));
            }
            catch (PostgresException e)
            {
                throw new MigrationFailedException($"{scope}/{migration.Id} (applied again to repair the store)", e);
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return again.Select(m => m.Id).ToList();
    }

    /// <summary>Forgets the journal of one scope in a target, so that its (re-runnable) scripts run again.</summary>
    public static async Task ForgetAsync(NpgsqlDataSource database, MigrationTarget target, string scope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(target);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT to_regclass(format('%I.%I', @schema::text, @journal::text)) IS NOT NULL", new { schema = target.Schema, journal = Journal }, cancellationToken: cancellationToken));
        if (!exists) return;
        await connection.ExecuteAsync(new CommandDefinition(
            $"DELETE FROM {Sql.Identifier(target.Schema)}.{Journal} WHERE scope = @scope", new { scope }, cancellationToken: cancellationToken));
    }

    private static string Substitute(Migration migration, string scope, IReadOnlyDictionary<string, string>? placeholders) =>
        Placeholder().Replace(migration.Sql, match =>
            placeholders is not null && placeholders.TryGetValue(match.Groups[1].Value, out var value)
                ? value
                : throw new MigrationFailedException($"Migration {scope}/{migration.Id} uses the placeholder {match.Value}, which this target does not define."));
}
