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
/// <para>
/// With a <see cref="ConnectionBudget"/> (a tenant database's pool; its data source does not pool, so closing a
/// connection closes the session), every connection holds a slot of the server's budget from open to close, a kept
/// connection may be closed for another pool's request (<see cref="ConnectionBudget.TryEvictLocked"/>), and a returned
/// one is closed rather than kept while a request of the server waits. With a per-tenant cap, a tenant has at most
/// that many requests holding a connection; its next ones wait (up to the budget's wait), so that one busy tenant
/// cannot hold every session of a node.
/// </para>
/// This class is the only user of its data source (it owns and disposes it), so its counts are exact.
/// </summary>
public sealed class TenantAffinePool : IAsyncDisposable
{
    /// <summary>How long a kept connection waits for its tenant's next request before it goes back to the pool.</summary>
    public static readonly TimeSpan IdleLifetime = TimeSpan.FromSeconds(30);

    /// <summary>How long a request waits for its tenant's turn under the per-tenant cap when no budget says otherwise.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource _source;
    private readonly int _maxConnections;
    private readonly TimeProvider _time;
    private readonly ITimer _closeIdle;
    private readonly object _gate;
    private readonly ConnectionBudget? _budget;
    private readonly int _tenantCap;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, SemaphoreSlim> _tenantTurns = new(StringComparer.Ordinal);

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
        public LinkedListNode<ConnectionBudget.KeptEntry>? InBudget;
    }

    /// <param name="source">The pool underneath (owned from here on); its <c>Max Pool Size</c> bounds this one.</param>
    public TenantAffinePool(NpgsqlDataSource source, TimeProvider time) : this(source, time, null, int.MaxValue) { }

    /// <param name="source">The data source underneath (owned from here on). Under a <paramref name="budget"/> it must not pool (Pooling=false): this pool is the pool.</param>
    /// <param name="budget">The server's budget all its tenant pools share; null: bounded by the source's <c>Max Pool Size</c>.</param>
    /// <param name="tenantCap">At most this many requests of one tenant hold a connection at once.</param>
    public TenantAffinePool(NpgsqlDataSource source, TimeProvider time, ConnectionBudget? budget, int tenantCap)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(tenantCap, 1);
        _source = source;
        _budget = budget;
        _tenantCap = tenantCap;
        _gate = budget?.Gate ?? new object();
        _maxConnections = budget is null ? new NpgsqlConnectionStringBuilder(source.ConnectionString).MaxPoolSize : int.MaxValue;
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
        var turn = await TakeTurnAsync(tenant, cancellationToken);
        try
        {
            return await OpenInTurnAsync(tenant, turn, cancellationToken);
        }
        catch
        {
            turn?.Release();
            throw;
        }
    }

    /// <summary>The tenant's turn under the per-tenant cap (null when uncapped); waits up to the budget's wait.</summary>
    private async Task<SemaphoreSlim?> TakeTurnAsync(string tenant, CancellationToken cancellationToken)
    {
        if (_tenantCap == int.MaxValue) return null;
        var turn = _tenantTurns.GetOrAdd(tenant, _ => new SemaphoreSlim(_tenantCap, _tenantCap));
        var wait = _budget?.Wait ?? DefaultWait;
        if (await turn.WaitAsync(wait, cancellationToken)) return turn;
        throw new ConnectionBudgetExhaustedException(
            $"Tenant '{tenant}' has {_tenantCap} request(s) holding a connection on this node already (Connections:TenantCap), and none was returned within {wait.TotalSeconds:0} s: retry shortly.");
    }

    private async Task<TenantAffineConnection> OpenInTurnAsync(string tenant, SemaphoreSlim? turn, CancellationToken cancellationToken)
    {
        NpgsqlConnection? closeFirst = null;
        LinkedListNode<TaskCompletionSource>? place = null;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_keptByTenant.TryGetValue(tenant, out var own) && own.Last is { } newest)
            {
                Remove(newest.Value);
                _leased++;
                return new TenantAffineConnection(this, tenant, newest.Value.Connection, wasKept: true, turn);
            }
            if (_budget is null)
            {
                if (_leased + _kept.Count >= _maxConnections && _kept.First is { } oldest)
                {
                    Remove(oldest.Value);
                    closeFirst = oldest.Value.Connection;
                }
            }
            else if (!_budget.TryTakeLocked())
            {
                // The server's slots are all taken: the connection idle longest there gives up its slot, or we queue.
                closeFirst = _budget.TryEvictLocked();
                if (closeFirst is null) place = _budget.EnqueueLocked();
            }
            _leased++;
        }
        var holdsSlot = false;
        try
        {
            if (place is not null) await _budget!.WaitAsync(place, tenant, cancellationToken);
            holdsSlot = _budget is not null;
            // Closed first (back to the pool underneath, which resets it; or, under a budget, the session ends), then opened.
            if (closeFirst is not null) await closeFirst.DisposeAsync();
            return new TenantAffineConnection(this, tenant, await _source.OpenConnectionAsync(cancellationToken), wasKept: false, turn);
        }
        catch
        {
            lock (_gate)
            {
                _leased--;
                if (holdsSlot) _budget!.GrantOrFreeLocked();
            }
            throw;
        }
    }

    internal async ValueTask ReturnAsync(TenantAffineConnection returned)
    {
        var connection = returned.Connection;
        var keep = false;
        lock (_gate)
        {
            _leased--;
            // Kept only if idle and healthy, and only while no request waits for a connection (from the pool, or of the server's budget).
            keep = !_disposed && connection.FullState == ConnectionState.Open
                && (_budget is null ? _leased + _kept.Count < _maxConnections : !_budget.HasWaitersLocked);
            if (keep)
            {
                var kept = new Kept(returned.Tenant, connection, _time.GetUtcNow());
                if (!_keptByTenant.TryGetValue(kept.Tenant, out var own)) _keptByTenant[kept.Tenant] = own = new LinkedList<Kept>();
                kept.InTenant = own.AddLast(kept);
                kept.InAll = _kept.AddLast(kept);
                if (_budget is not null) kept.InBudget = _budget.TrackLocked(new ConnectionBudget.KeptEntry(connection, () => Remove(kept)));
            }
        }
        returned.Turn?.Release();
        if (keep) return;
        await CloseAsync(connection);
    }

    /// <summary>Closes a connection this pool no longer keeps; under a budget its slot goes to the first in line, or is freed, once it is closed.</summary>
    private async ValueTask CloseAsync(NpgsqlConnection connection)
    {
        try
        {
            await connection.DisposeAsync();
        }
        finally
        {
            if (_budget is not null)
            {
                lock (_gate) _budget.GrantOrFreeLocked();
            }
        }
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
        foreach (var connection in expired) await CloseAsync(connection);
        return expired.Count;
    }

    /// <summary>Forgets a kept connection (under the gate): from its tenant's list, the pool's and the budget's.</summary>
    private void Remove(Kept kept)
    {
        _kept.Remove(kept.InAll!);
        var own = _keptByTenant[kept.Tenant];
        own.Remove(kept.InTenant!);
        if (own.Count == 0) _keptByTenant.Remove(kept.Tenant);
        if (kept.InBudget is not null) _budget!.UntrackLocked(kept.InBudget);
    }

    public async ValueTask DisposeAsync()
    {
        List<NpgsqlConnection> kept;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            kept = [.. _kept.Select(k => k.Connection)];
            foreach (var k in _kept.ToList()) Remove(k);
        }
        await _closeIdle.DisposeAsync();
        foreach (var connection in kept) await CloseAsync(connection);
        await _source.DisposeAsync(); // connections still in use close when returned
    }
}

/// <summary>A connection of a <see cref="TenantAffinePool"/> for one tenant; disposing it returns it (kept for that tenant, or to the pool).</summary>
public sealed class TenantAffineConnection : IAsyncDisposable
{
    private readonly TenantAffinePool _pool;
    private int _returned;

    internal TenantAffineConnection(TenantAffinePool pool, string tenant, NpgsqlConnection connection, bool wasKept, SemaphoreSlim? turn)
    {
        _pool = pool;
        Tenant = tenant;
        Connection = connection;
        WasKept = wasKept;
        Turn = turn;
    }

    /// <summary>The tenant's turn under the pool's per-tenant cap, given back with the connection.</summary>
    internal SemaphoreSlim? Turn { get; }

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
