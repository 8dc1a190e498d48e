using Dapper;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// Ending the sessions on a database before it is renamed or dropped (<c>tenant move</c>, <c>tenant deprovision</c>).
/// The platform's owner is no superuser: a superuser's session (a DBA's psql) is not its to end, so it is named, with
/// the statement that ends it, instead of failing in PostgreSQL's words. Only sessions of a role count: a process of the
/// server itself (an autovacuum worker, whose <c>usesysid</c> is null and which runs as the bootstrap superuser) is not
/// ours to end, and <c>DROP DATABASE</c> and <c>ALTER DATABASE … RENAME</c> end it themselves (soak: 2 deletions in 183
/// failed on <c>pg_terminate_backend</c> of one, "must be a superuser to terminate superuser process").
/// </summary>
internal static class DatabaseSessions
{
    /// <summary>
    /// Ends the sessions on <paramref name="database"/> of <paramref name="roles"/> (all but our own when null) that the
    /// current role may end, each waited for (up to 5 s), so that what follows finds them gone.
    /// </summary>
    public static Task<int> EndAsync(NpgsqlConnection maintenance, string database, string[]? roles, CancellationToken cancellationToken) =>
        maintenance.ExecuteAsync(new CommandDefinition("""
            SELECT pg_terminate_backend(a.pid, 5000) FROM pg_stat_activity a
            WHERE a.datname = @database AND a.pid <> pg_backend_pid() AND a.usesysid IS NOT NULL AND (@roles::text[] IS NULL OR a.usename = ANY (@roles))
              AND (current_setting('is_superuser') = 'on' OR NOT EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = a.usesysid AND r.rolsuper))
            """, new { database, roles }, cancellationToken: cancellationToken));

    /// <summary>
    /// Throws, naming them, when <paramref name="database"/> has sessions the current role may not end (a superuser's,
    /// when it is none); <paramref name="retry"/> says what to run again once they are gone. A run checks this before it
    /// changes anything.
    /// </summary>
    public static async Task RefuseUnendableAsync(NpgsqlConnection maintenance, string server, string database, string retry, CancellationToken cancellationToken) =>
        Refuse(server, database, retry, await SessionsAsync(maintenance, database, onlyUnendable: true, cancellationToken));

    /// <summary>Ends every session on <paramref name="database"/> it may, then throws, naming them, when any is left.</summary>
    public static async Task EndAllOrRefuseAsync(NpgsqlConnection maintenance, string server, string database, string retry, CancellationToken cancellationToken)
    {
        await EndAsync(maintenance, database, null, cancellationToken);
        Refuse(server, database, retry, await SessionsAsync(maintenance, database, onlyUnendable: false, cancellationToken));
    }

    /// <summary>
    /// <c>DROP DATABASE … WITH (FORCE)</c> after <see cref="EndAllOrRefuseAsync"/>. PostgreSQL 15 refuses FORCE to a
    /// non-superuser when an autovacuum worker (which runs as the bootstrap superuser) is in the database, which happens
    /// on a database made a moment ago (`bench soak` met it once in 40 drops): such a refusal is tried again for up to
    /// about 5 s, as the worker is done within that; a user's superuser session is named instead.
    /// </summary>
    public static async Task DropAsync(NpgsqlConnection maintenance, string server, string database, string retry, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            await EndAllOrRefuseAsync(maintenance, server, database, retry, cancellationToken);
            try
            {
                await maintenance.ExecuteAsync(new CommandDefinition($"DROP DATABASE IF EXISTS {Sql.Identifier(database)} WITH (FORCE)", cancellationToken: cancellationToken));
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege && attempt < 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt), cancellationToken);
            }
        }
    }

    private static async Task<List<(int Pid, string User, string Application)>> SessionsAsync(NpgsqlConnection maintenance, string database, bool onlyUnendable, CancellationToken cancellationToken) =>
        (await maintenance.QueryAsync<(int Pid, string User, string Application)>(new CommandDefinition("""
            SELECT a.pid, coalesce(a.usename::text, ''), coalesce(a.application_name, '') FROM pg_stat_activity a
            WHERE a.datname = @database AND a.pid <> pg_backend_pid() AND a.usesysid IS NOT NULL
              AND (NOT @onlyUnendable OR (current_setting('is_superuser') = 'off' AND EXISTS (SELECT 1 FROM pg_roles r WHERE r.oid = a.usesysid AND r.rolsuper)))
            ORDER BY a.pid
            """, new { database, onlyUnendable }, cancellationToken: cancellationToken))).ToList();

    private static void Refuse(string server, string database, string retry, List<(int Pid, string User, string Application)> left)
    {
        if (left.Count == 0) return;
        var sessions = string.Join(", ", left.Select(s => $"pid {s.Pid} of {s.User}" + (s.Application.Length > 0 ? $" ({s.Application})" : "")));
        throw new ProvisioningException($"{database} on {server} still has {left.Count} session(s) the platform's owner may not end: {sessions}.",
            $"end them (as a superuser: `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = {Sql.Literal(database)}`), then {retry}.");
    }
}
