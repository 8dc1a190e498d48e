using System.Data;
using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// Tenant-affine connections over one Npgsql pool: a connection a tenant's request returns stays open, kept for that
/// tenant, and goes to that tenant's next request; other tenants get connections from the pool underneath.
/// <para>
/// Why: the tenants of the shared data database share one pool, and Npgsql hands any idle connection to any tenant,
/// so every server session serves every tenant in turn: a plan and catalogue entries per tenant per session, each
/// request touching another tenant's. Kept with its tenant, a session serves one tenant (or a few), keeps that
/// tenant's plans, and a request of the same tenant skips Npgsql's open, close and reset (docs/benchmarks.md,
/// bench http, 2026-11-29).
/// </para>
/// <para>
/// Safety does not rest on it: everything a tenant read or unit of work sets is local to its transaction. A kept
/// connection goes back to the same tenant only; a connection moves to another tenant only through the pool
/// underneath, which resets it (Npgsql's reset on close). Only a connection that is open and idle (no command
/// running, not broken) is kept.
/// </para>
/// <para>
/// Bounds: never more connections than the pool's <c>Max Pool Size</c>. A request for a tenant with no kept
/// connection closes the least recently used kept one (of any tenant) first when the connections kept and in use
/// reach that size, and a returned connection is not kept while a request waits for one. Kept connections idle past
/// <see cref="IdleLifetime"/> go back to the pool, whose own idle pruning closes them.
/// </para>
/// This class is the only user of its data source (it owns and disposes it), so its counts are exact.
/// </summary>
public sealed class TenantAffinePool : IAsyncDisposable
{
    /// <summary>How long a kept connection waits for its tenant's next request before it goes back to the pool.</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource _source;
    private readonly int _maxConnections;
    private readonly TimeProvider _time;
    private readonly ITimer _closeIdle;
    private readonly object _gate = new();

    // Kept connections: per tenant, oldest first; and all of them, oldest first (the first one is closed first).
    private readonly Dictionary<string, LinkedList<Kept>> _keptByTenant = new(StringComparer.Ordinal);
    private readonly LinkedList<Kept> _kept = new();

    // Requests holding a connection, or waiting for one from the pool underneath.
    private int _leased;
    private bool _disposed;

    private sealed class Kept(string tenant, NpgsqlConnection connection, DateTimeOffset since)
    {
        public string Tenant { get; } = tenant;
        public NpgsqlConnection Connection { get; } = connection;
        public DateTimeOffset Since { get; } = since;
        public LinkedListNode<Kept>? InTenant;
        public LinkedListNode<Kept>? InAll;
    }

    /// <param name="source">The pool underneath (owned from here on); its <c>Max Pool Size</c> bounds this one.</param>
    public TenantAffinePool(NpgsqlDataSource source, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _maxConnections = new NpgsqlConnectionStringBuilder(source.ConnectionString).MaxPoolSize;
        _time = time;
        _closeIdle = time.CreateTimer(_ => _ = CloseIdleAsync(), null, IdleLifetime / 2, IdleLifetime / 2);
    }

    /// <summary>Connections kept open for their tenants right now.</summary>
    public int KeptCount
    {
        get
        {
            lock (_gate) return _kept.Count;
        }
    }

    /// <summary>An open connection for <paramref name="tenant"/>: the one it returned last if kept, else one from the pool. Dispose it to return it.</summary>
    public async Task<TenantAffineConnection> OpenAsync(string tenant, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenant);
        NpgsqlConnection? closeFirst = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_keptByTenant.TryGetValue(tenant, out var own) && own.Last is { } newest)
            {
                Remove(newest.Value);
                _leased++;
                return new TenantAffineConnection(this, tenant, newest.Value.Connection, wasKept: true);
            }
            if (_leased + _kept.Count >= _maxConnections && _kept.First is { } oldest)
            {
                Remove(oldest.Value);
                closeFirst = oldest.Value.Connection;
            }
            _leased++;
        }
        try
        {
            // Back to the pool underneath first (which resets it), so that the pool has a connection for this request.
            if (closeFirst is not null) await closeFirst.DisposeAsync();
            return new TenantAffineConnection(this, tenant, await _source.OpenConnectionAsync(cancellationToken), wasKept: false);
        }
        catch
        {
            lock (_gate) _leased--;
            throw;
        }
    }

    internal async ValueTask ReturnAsync(TenantAffineConnection returned)
    {
        var connection = returned.Connection;
        lock (_gate)
        {
            _leased--;
            // Kept only if idle and healthy, and only while no request waits for a connection from the pool.
            if (!_disposed && connection.FullState == ConnectionState.Open && _leased + _kept.Count < _maxConnections)
            {
                var kept = new Kept(returned.Tenant, connection, _time.GetUtcNow());
                if (!_keptByTenant.TryGetValue(kept.Tenant, out var own)) _keptByTenant[kept.Tenant] = own = new LinkedList<Kept>();
                kept.InTenant = own.AddLast(kept);
                kept.InAll = _kept.AddLast(kept);
                return;
            }
        }
        await connection.DisposeAsync();
    }

    /// <summary>Returns to the pool underneath every kept connection idle for <see cref="IdleLifetime"/> or longer; how many.</summary>
    public async Task<int> CloseIdleAsync()
    {
        var expired = new List<NpgsqlConnection>();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            while (_kept.First is { } oldest && now - oldest.Value.Since >= IdleLifetime)
            {
                Remove(oldest.Value);
                expired.Add(oldest.Value.Connection);
            }
        }
        foreach (var connection in expired) await connection.DisposeAsync();
        return expired.Count;
    }

    private void Remove(Kept kept)
    {
        _kept.Remove(kept.InAll!);
        var own = _keptByTenant[kept.Tenant];
        own.Remove(kept.InTenant!);
        if (own.Count == 0) _keptByTenant.Remove(kept.Tenant);
    }

    public async ValueTask DisposeAsync()
    {
        List<NpgsqlConnection> kept;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            kept = [.. _kept.Select(k => k.Connection)];
            _kept.Clear();
            _keptByTenant.Clear();
        }
        await _closeIdle.DisposeAsync();
        foreach (var connection in kept) await connection.DisposeAsync();
        await _source.DisposeAsync(); // connections still in use close when returned
    }
}

/// <summary>A connection of a <see cref="TenantAffinePool"/> for one tenant; disposing it returns it (kept for that tenant, or to the pool).</summary>
public sealed class TenantAffineConnection : IAsyncDisposable
{
    private readonly TenantAffinePool _pool;
    private int _returned;

    internal TenantAffineConnection(TenantAffinePool pool, string tenant, NpgsqlConnection connection, bool wasKept)
    {
        _pool = pool;
        Tenant = tenant;
        Connection = connection;
        WasKept = wasKept;
    }

    public string Tenant { get; }
    public NpgsqlConnection Connection { get; }

    /// <summary>Whether the connection was kept for its tenant (rather than fresh from the pool underneath).</summary>
    public bool WasKept { get; }

    /// <summary>
    /// After a failure: whether this was a kept session that had ended while it waited (the server restarted,
    /// terminated it, or timed it out), so that the connection is now broken. Work that had not changed anything yet
    /// can run again on a fresh connection; Npgsql's own pool would have handed out such a session too.
    /// </summary>
    public bool EndedWhileKept => WasKept && Connection.FullState is ConnectionState.Broken or ConnectionState.Closed;

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _returned, 1) == 0 ? _pool.ReturnAsync(this) : ValueTask.CompletedTask;
}
