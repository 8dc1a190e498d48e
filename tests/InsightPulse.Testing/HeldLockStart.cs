using Dapper;
using Npgsql;

namespace InsightPulse.Testing;

/// <summary>
/// Runs that provably overlap: the test holds a session advisory lock, starts the runs, waits until every one of them
/// is queued on that lock in <c>pg_locks</c> (so all were running at the same moment), then lets them go.
/// </summary>
public static class HeldLockStart
{
    /// <summary>
    /// Holds <paramref name="key"/> (hashed as <c>AdvisoryLock</c> hashes it) on <paramref name="connectionString"/>'s
    /// database, starts <paramref name="count"/> runs of <paramref name="run"/>, and releases the lock once all of them
    /// wait for it. Returns the runs' results and the most waiters seen at once.
    /// </summary>
    public static async Task<(T[] Results, int Waiters)> RunAsync<T>(string connectionString, string key, int count, Func<Task<T>> run, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        await using var holder = new NpgsqlConnection(connectionString);
        await holder.OpenAsync();
        await holder.ExecuteAsync("SELECT pg_advisory_lock(hashtextextended(@key, 0))", new { key });
        var (classid, objid) = await holder.QuerySingleAsync<(long, long)>(
            "SELECT (h >> 32) & 4294967295, h & 4294967295 FROM (SELECT hashtextextended(@key, 0) AS h) k", new { key });
        var runs = Enumerable.Range(0, count).Select(_ => Task.Run(run)).ToArray();
        var waiters = 0;
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            while (waiters < count && DateTime.UtcNow < deadline && !runs.Any(r => r.IsFaulted))
            {
                await Task.Delay(20);
                waiters = await holder.ExecuteScalarAsync<int>("""
                    SELECT count(*) FROM pg_locks
                    WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = @classid AND objid::bigint = @objid AND objsubid = 1
                    """, new { classid, objid });
            }
        }
        finally
        {
            await holder.ExecuteAsync("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", new { key });
        }
        return (await Task.WhenAll(runs), waiters);
    }
}
