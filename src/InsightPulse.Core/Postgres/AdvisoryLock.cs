using Dapper;
using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// A session-level advisory lock on one connection, keyed by text (<c>hashtextextended(key, 0)</c>), released when
/// disposed. The release is explicit because a pooled connection outlives its use and would keep holding it; a
/// connection that broke has lost the lock with its session, so there is nothing to release.
/// </summary>
public sealed class AdvisoryLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly string _key;

    private AdvisoryLock(NpgsqlConnection connection, string key)
    {
        _connection = connection;
        _key = key;
    }

    /// <summary>Waits until the lock is free, then holds it.</summary>
    public static async Task<AdvisoryLock> AcquireAsync(NpgsqlConnection connection, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_lock(hashtextextended(@key, 0))", new { key }, cancellationToken: cancellationToken));
        return new AdvisoryLock(connection, key);
    }

    /// <summary>Holds the lock if it is free now; null when another session holds it.</summary>
    public static async Task<AdvisoryLock?> TryAcquireAsync(NpgsqlConnection connection, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT pg_try_advisory_lock(hashtextextended(@key, 0))", new { key }, cancellationToken: cancellationToken))
            ? new AdvisoryLock(connection, key)
            : null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection.State != System.Data.ConnectionState.Open) return;
        await _connection.ExecuteAsync("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", new { key = _key });
    }
}
