using System.Collections.Concurrent;
using System.Security.Cryptography;
using Dapper;
using InsightPulse.Core.Databases;

namespace InsightPulse.Core.Users;

/// <summary>Why a web session ended (<c>ipai_web_session.ended_because</c>).</summary>
public enum SessionEnd
{
    SignedOut,
    PasswordSet,
    UserDisabled,
    /// <summary>The user's row changed behind the platform's back (its password hash, or gone): found by a recheck.</summary>
    UserChanged,
}

/// <summary>
/// Web sessions kept on the server (<c>ipai_web_session</c> in the platform database): a sign-in starts one and the
/// cookie carries its random id; the table holds only the id's SHA-256. A request is served only while its session is
/// there and not ended, so ending a session ends every copy of its cookie. A node remembers a session it found good
/// for <see cref="CheckedFor"/>: a session ended through this object is forgotten at once, one ended by another
/// process (another node, the CLI, the trigger of a suspended tenant) is refused by this node within that time.
/// </summary>
public sealed class WebSessions(PlatformDatabases databases, TimeProvider time)
{
    /// <summary>How long a node trusts a session it found good without asking the platform database again.</summary>
    public static readonly TimeSpan CheckedFor = TimeSpan.FromSeconds(1);

    /// <summary>How long a session's row is kept after it ended, or after it was last seen by a recheck.</summary>
    public static readonly TimeSpan KeptFor = TimeSpan.FromDays(2);

    /// <summary>Past this many remembered sessions, those not checked within <see cref="CheckedFor"/> are forgotten.</summary>
    private const int MaxRemembered = 10_000;

    private readonly ConcurrentDictionary<string, (string Tenant, long User, long CheckedAt)> _good = new(StringComparer.Ordinal);

    /// <summary>Starts a session of <paramref name="userId"/> at <paramref name="tenantCode"/>; returns its id (for the cookie only, never stored).</summary>
    public async Task<string> StartAsync(string tenantCode, long userId, CancellationToken cancellationToken)
    {
        var id = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        // Old rows go as new ones come: a session ended, or not seen by any recheck, for KeptFor.
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_web_session (id_hash, tenant_code, user_id) VALUES (@hash, @tenantCode, @userId);
            DELETE FROM ipai_web_session WHERE coalesce(ended_at, seen_at) < clock_timestamp() - @kept;
            """, new { hash = Hash(id), tenantCode, userId, kept = KeptFor }, cancellationToken: cancellationToken));
        return id;
    }

    /// <summary>Whether session <paramref name="id"/> is going, and is <paramref name="userId"/>'s at <paramref name="tenantCode"/>.</summary>
    public async ValueTask<bool> IsGoingAsync(string? id, string tenantCode, long userId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(id) || id.Length > 64) return false;
        var now = time.GetTimestamp();
        if (_good.TryGetValue(id, out var known) && time.GetElapsedTime(known.CheckedAt, now) < CheckedFor)
        {
            return known.Tenant == tenantCode && known.User == userId;
        }
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var owner = await connection.QuerySingleOrDefaultAsync<(string Tenant, long User)?>(new CommandDefinition(
            "SELECT tenant_code, user_id FROM ipai_web_session WHERE id_hash = @hash AND ended_at IS NULL", new { hash = Hash(id) }, cancellationToken: cancellationToken));
        if (owner is not { } going)
        {
            _good.TryRemove(id, out _);
            return false;
        }
        if (_good.Count >= MaxRemembered)
        {
            // Sessions not seen for a while are forgotten (asked again when they come back), so that the cache stays small.
            foreach (var (stale, _) in _good.Where(g => time.GetElapsedTime(g.Value.CheckedAt, now) >= CheckedFor)) _good.TryRemove(stale, out _);
        }
        _good[id] = (going.Tenant, going.User, now);
        return going.Tenant == tenantCode && going.User == userId;
    }

    /// <summary>Records that a recheck found the session's user still good (old rows are deleted by when they were last seen).</summary>
    public async Task SeenAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ipai_web_session SET seen_at = clock_timestamp() WHERE id_hash = @hash AND ended_at IS NULL", new { hash = Hash(id) }, cancellationToken: cancellationToken));
    }

    /// <summary>Ends one session (sign-out, or a recheck that found its user changed); false when it had ended already.</summary>
    public async Task<bool> EndAsync(string id, SessionEnd reason, CancellationToken cancellationToken)
    {
        _good.TryRemove(id, out _);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ipai_web_session SET ended_at = clock_timestamp(), ended_because = @reason WHERE id_hash = @hash AND ended_at IS NULL",
            new { hash = Hash(id), reason = ReasonText(reason) }, cancellationToken: cancellationToken)) > 0;
    }

    /// <summary>Ends every going session of one user (password set, user disabled); returns how many.</summary>
    public async Task<int> EndUserAsync(string tenantCode, long userId, SessionEnd reason, CancellationToken cancellationToken)
    {
        foreach (var (id, _) in _good.Where(g => g.Value.Tenant == tenantCode && g.Value.User == userId)) _good.TryRemove(id, out _);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ipai_web_session SET ended_at = clock_timestamp(), ended_because = @reason WHERE tenant_code = @tenantCode AND user_id = @userId AND ended_at IS NULL",
            new { tenantCode, userId, reason = ReasonText(reason) }, cancellationToken: cancellationToken));
    }

    /// <summary>The ended_because text of <paramref name="reason"/> (snake case, as the table's CHECK lists them).</summary>
    public static string ReasonText(SessionEnd reason) => reason switch
    {
        SessionEnd.SignedOut => "signed_out",
        SessionEnd.PasswordSet => "password_set",
        SessionEnd.UserDisabled => "user_disabled",
        SessionEnd.UserChanged => "user_changed",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    private static byte[] Hash(string id) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(id));
}
