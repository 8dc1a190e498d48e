using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// The server connections one process may hold on one PostgreSQL server for tenant requests, shared by every
/// tenant-affine pool on that server (<see cref="TenantAffinePool"/>): a thousand tenant databases never mean a
/// thousand pools' worth of sessions. A connection holds a slot from before it opens until after it closed, so the
/// count of this process's runtime sessions on the server never exceeds <see cref="Capacity"/>.
/// <para>
/// When every slot is taken, a request first closes the connection kept idle longest for any tenant of the server
/// (its slot goes to the request); when none is idle, it waits in one first-come first-served queue, and a connection
/// returned meanwhile is closed and its slot handed to the first in line (never kept while anyone waits). A request
/// that waits longer than <see cref="Wait"/> fails with <see cref="ConnectionBudgetExhaustedException"/>. A pool
/// that pools underneath by itself (the shared data database's, whose sessions move between tenants) reserves its
/// maximum size up front (<see cref="Reserve"/>).
/// </para>
/// All of the server's tenant-affine pools share <see cref="Gate"/>, so one lock orders every count and queue.
/// </summary>
public sealed class ConnectionBudget(string server, int capacity, TimeSpan wait)
{
    public string Server { get; } = server;
    public int Capacity { get; } = capacity >= 1 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity), "A budget holds at least one connection.");
    public TimeSpan Wait { get; } = wait;

    internal object Gate { get; } = new();

    private readonly LinkedList<TaskCompletionSource> _waiters = new();
    private readonly LinkedList<KeptEntry> _kept = new();
    private int _taken;
    private int _reserved;
    private int _peak;
    private long _waits;
    private long _timeouts;
    private long _evictions;

    /// <summary>A connection kept idle by a pool of this budget, and how that pool forgets it when it is evicted.</summary>
    internal sealed record KeptEntry(NpgsqlConnection Connection, Action Forget);

    /// <summary>What the budget holds now and has seen: for <c>/readyz</c> and the benchmarks.</summary>
    public ConnectionBudgetStats Stats
    {
        get
        {
            lock (Gate) return new ConnectionBudgetStats(Server, Capacity, _reserved, _taken, _kept.Count, _peak, _waiters.Count, _waits, _timeouts, _evictions);
        }
    }

    /// <summary>Sets aside <paramref name="slots"/> for a pool that pools by itself, for the budget's life; at most what is left free (returns what it got).</summary>
    internal int Reserve(int slots)
    {
        lock (Gate)
        {
            var granted = Math.Max(0, Math.Min(slots, Capacity - _taken - 1));
            _taken += granted;
            _reserved += granted;
            _peak = Math.Max(_peak, _taken);
            return granted;
        }
    }

    /// <summary>A free slot, if nobody waits for one (under <see cref="Gate"/>).</summary>
    internal bool TryTakeLocked()
    {
        if (_waiters.Count > 0 || _taken >= Capacity) return false;
        _taken++;
        _peak = Math.Max(_peak, _taken);
        return true;
    }

    /// <summary>The connection kept idle longest on this server, forgotten by its pool; its slot passes to the caller (under <see cref="Gate"/>).</summary>
    internal NpgsqlConnection? TryEvictLocked()
    {
        if (_waiters.Count > 0 || _kept.First is not { } oldest) return null;
        _kept.RemoveFirst();
        oldest.Value.Forget();
        _evictions++;
        return oldest.Value.Connection;
    }

    /// <summary>A place in the queue for the next slot (under <see cref="Gate"/>).</summary>
    internal LinkedListNode<TaskCompletionSource> EnqueueLocked()
    {
        _waits++;
        return _waiters.AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
    }

    /// <summary>Waits for the slot of <paramref name="place"/>; on timeout or cancellation leaves the queue (or frees a slot granted meanwhile) and throws.</summary>
    internal async Task WaitAsync(LinkedListNode<TaskCompletionSource> place, string tenant, CancellationToken cancellationToken)
    {
        try
        {
            await place.Value.Task.WaitAsync(Wait, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            lock (Gate)
            {
                if (place.List is not null) _waiters.Remove(place);
                else GrantOrFreeLocked(); // granted just as we gave up: pass it on
                if (e is TimeoutException) _timeouts++;
            }
            if (e is TimeoutException)
            {
                throw new ConnectionBudgetExhaustedException(
                    $"No connection to server {Server} for tenant '{tenant}' within {Wait.TotalSeconds:0} s: this node's {Capacity} connection(s) there are all in use. " +
                    "Retry shortly; if it lasts, raise Connections:Budget (and the server's max_connections), or add a server (`./ipai server add`) and move tenants to it.");
            }
            throw;
        }
    }

    /// <summary>A slot given back (its connection closed): to the first in line, else free (under <see cref="Gate"/>).</summary>
    internal void GrantOrFreeLocked()
    {
        if (_waiters.First is { } first)
        {
            _waiters.RemoveFirst();
            first.Value.TrySetResult();
            return;
        }
        _taken--;
    }

    internal bool HasWaitersLocked => _waiters.Count > 0;

    internal LinkedListNode<KeptEntry> TrackLocked(KeptEntry entry) => _kept.AddLast(entry);

    internal void UntrackLocked(LinkedListNode<KeptEntry> node)
    {
        if (node.List is not null) _kept.Remove(node);
    }
}

/// <summary>A budget's counts: slots in all, reserved by self-pooling pools, taken, kept idle, the most taken at once, waiting now, waits, timeouts, evictions.</summary>
public sealed record ConnectionBudgetStats(string Server, int Capacity, int Reserved, int Taken, int Kept, int Peak, int Waiting, long Waits, long Timeouts, long Evictions);
