using Dapper;
using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// Applies ordered SQL scripts to one database, each in its own transaction, recording them in a journal
/// (<c>ipai_migration</c>: scope, id, checksum, applied_at). An advisory lock per scope makes concurrent runs
/// wait for each other; an applied script whose bytes changed is refused, never re-run.
/// </summary>
public static class MigrationRunner
{
    private const string JournalDdl = """
        CREATE TABLE IF NOT EXISTS ipai_migration (
            scope text NOT NULL,
            migration_id text NOT NULL,
            checksum text NOT NULL,
            applied_at timestamp with time zone NOT NULL DEFAULT now(),
            PRIMARY KEY (scope, migration_id)
        )
        """;

    /// <summary>Applies what is missing; returns the ids applied by this call (empty when all were there).</summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(
        NpgsqlDataSource database, string scope, IReadOnlyList<Migration> migrations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(migrations);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        var lockKey = await connection.ExecuteScalarAsync<long>(
            new CommandDefinition("SELECT hashtextextended('ipai_migration:' || @scope, 0)", new { scope }, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(@lockKey)", new { lockKey }, cancellationToken: cancellationToken));
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(JournalDdl, cancellationToken: cancellationToken));
            var applied = (await connection.QueryAsync<(string Id, string Checksum)>(new CommandDefinition(
                    "SELECT migration_id, checksum FROM ipai_migration WHERE scope = @scope", new { scope }, cancellationToken: cancellationToken)))
                .ToDictionary(r => r.Id, r => r.Checksum, StringComparer.Ordinal);

            var done = new List<string>();
            foreach (var migration in migrations)
            {
                if (applied.TryGetValue(migration.Id, out var checksum))
                {
                    if (checksum != migration.Checksum)
                    {
                        throw new MigrationChecksumException(
                            $"Migration {scope}/{migration.Id} was changed after it was applied (checksum {checksum[..12]}… in the journal, {migration.Checksum[..12]}… on disk). " +
                            "Applied scripts are immutable: restore the file and put the change in a new script.");
                    }
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                try
                {
                    await connection.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: transaction, cancellationToken: cancellationToken));
                }
                catch (PostgresException e)
                {
                    throw new MigrationFailedException($"{scope}/{migration.Id}", e);
                }
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO ipai_migration (scope, migration_id, checksum) VALUES (@scope, @id, @checksum)",
                    new { scope, id = migration.Id, checksum = migration.Checksum }, transaction, cancellationToken: cancellationToken));
                await transaction.CommitAsync(cancellationToken);
                done.Add(migration.Id);
            }
            return done;
        }
        finally
        {
            await connection.ExecuteAsync("SELECT pg_advisory_unlock(@lockKey)", new { lockKey });
        }
    }
}
