using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Tenants;

/// <summary>
/// The routing table of a web node: a snapshot of the registry behind a <see cref="TenantHostResolver"/>, kept in
/// memory and reloaded when PostgreSQL announces a registry change (LISTEN on <see cref="Channel"/>, raised by a
/// trigger on <c>ipai_tenant</c>), so several nodes stay consistent without restarts. When the listening connection
/// drops, it reconnects and reloads (a notification sent meanwhile is not lost: the reload reads the registry).
/// A platform reached only through a transaction-mode pooler has no session to LISTEN on: the table then reads the
/// registry's fingerprint every <see cref="PollInterval"/> and reloads when it changed.
/// </summary>
public sealed class TenantRouteTable(TenantRegistry registry, TenantModules modules, PlatformDatabases databases, TenantHostOptions options) : IAsyncDisposable
{
    public const string Channel = "ipai_tenant_changed";

    /// <summary>How often a node without a session (only a pooled URL) looks for a registry change.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// What the route table depends on, in one value: count and an order-free sum of row hashes of the tenants and
    /// their modules: one scan of two small tables per poll, instead of reading and rebuilding the whole table.
    /// </summary>
    internal const string FingerprintQuery = """
        SELECT (SELECT count(*) || ':' || coalesce(sum(hashtext(t::text)::bigint), 0) FROM ipai_tenant t)
            || '/' || (SELECT count(*) || ':' || coalesce(sum(hashtext(m::text)::bigint), 0) FROM ipai_tenant_module m)
        """;

    private readonly CancellationTokenSource _stop = new();
    private volatile TenantHostResolver _resolver = new([], options);
    private volatile ILookup<string, string> _modules = Array.Empty<(string, string)>().ToLookup(m => m.Item1, m => m.Item2);
    private Task? _listening;
    private long _version;

    /// <summary>How many times the table was loaded (1 after <see cref="StartAsync"/>).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Loads the table and starts listening (or polling); returns once the first snapshot is in place.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var problems = options.Problems();
        if (problems.Count > 0) throw new InvalidOperationException(string.Join(" ", problems));
        if (!databases.Environment.HasSession)
        {
            var fingerprint = await FingerprintAsync(cancellationToken);
            await ReloadAsync(cancellationToken);
            _listening = Task.Run(() => PollAsync(fingerprint, _stop.Token), CancellationToken.None);
            return;
        }
        var listener = await ListenAsync(cancellationToken);
        await ReloadAsync(cancellationToken);
        _listening = Task.Run(() => LoopAsync(listener, _stop.Token), CancellationToken.None);
    }

    /// <summary>How this node hears of registry changes: <c>listen</c> (a session of its own) or <c>poll</c>.</summary>
    public string Updates => databases.Environment.HasSession ? "listen" : "poll";

    /// <summary>The tenant for a Host header, or null (unknown host).</summary>
    public Tenant? Resolve(string? host) => _resolver.Resolve(host);

    /// <summary>Whether the tenant asked for <paramref name="module"/> beyond the base modules (<c>ipai_tenant_module</c>).</summary>
    public bool HasModule(string tenantCode, string module) => _modules[tenantCode].Contains(module, StringComparer.Ordinal);

    /// <summary>Every tenant of the snapshot (e.g. for a node's readiness).</summary>
    public int Count => _resolver.Count;

    private async Task<NpgsqlConnection> ListenAsync(CancellationToken cancellationToken)
    {
        // A connection of its own, outside the pool: it stays open for the life of the node.
        var connection = await databases.OpenSessionAsync("ipai routes", cancellationToken);
        await using var listen = new NpgsqlCommand($"LISTEN {Sql.Identifier(Channel)}", connection);
        await listen.ExecuteNonQueryAsync(cancellationToken);
        return connection;
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        var tenants = await registry.ListAsync(cancellationToken);
        var extraModules = await modules.ListAllAsync(cancellationToken);
        _resolver = new TenantHostResolver(tenants, options);
        _modules = extraModules.ToLookup(m => m.TenantCode, m => m.Module, StringComparer.Ordinal);
        Interlocked.Increment(ref _version);
        await ForgetDatabasesGoneAsync(tenants);
    }

    /// <summary>
    /// Lets go of this node's pools of tenant databases no tenant uses any more (the tenant deleted, archived, or moved
    /// to another server): a node lives for months while tenants come and go, and each pool it kept would keep its
    /// data source, statement caches and buffers (`bench soak` measured it: the node grew with every tenant churned).
    /// </summary>
    private async Task ForgetDatabasesGoneAsync(IReadOnlyList<Tenant> tenants)
    {
        var inUse = tenants.Where(t => t.State != TenantState.Archived).Select(t => (t.DatabaseServer, t.DbName)).ToHashSet();
        foreach (var (server, database) in _databases.Except(inUse)) await databases.ForgetTenantDatabaseEverywhereAsync(server, database);
        _databases = inUse;
    }

    private HashSet<(string Server, string Database)> _databases = [];

    private async Task LoopAsync(NpgsqlConnection listener, CancellationToken stop)
    {
        var changed = false;
        listener.Notification += (_, _) => changed = true;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await listener.WaitAsync(stop);
                // Notifications of one burst (a transaction touching many tenants) arrive together: drain, then reload once.
                while (await listener.WaitAsync(TimeSpan.FromMilliseconds(20), stop)) { }
                if (changed)
                {
                    changed = false;
                    await ReloadAsync(stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
            {
                await listener.DisposeAsync();
                listener = await ReconnectAsync(stop);
                listener.Notification += (_, _) => changed = true;
            }
        }
        await listener.DisposeAsync();
    }

    private async Task<string> FingerprintAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(FingerprintQuery, connection);
        return (string?)await command.ExecuteScalarAsync(cancellationToken) ?? "";
    }

    /// <summary>Without a session: reloads when the registry's fingerprint changed; a failed read is tried again at the next tick.</summary>
    private async Task PollAsync(string fingerprint, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(PollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    var now = await FingerprintAsync(stop);
                    if (now == fingerprint) continue;
                    await ReloadAsync(stop);
                    fingerprint = now;
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException && !stop.IsCancellationRequested)
                {
                    // The server or the pooler is away: the table keeps its snapshot until a read succeeds.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // stopped
        }
    }

    private async Task<NpgsqlConnection> ReconnectAsync(CancellationToken stop)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                var connection = await ListenAsync(stop);
                await ReloadAsync(stop); // whatever changed while we were away
                return connection;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException && !stop.IsCancellationRequested)
            {
                await Task.Delay(delay, stop);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listening is not null)
        {
            try
            {
                await _listening;
            }
            catch (OperationCanceledException)
            {
                // stopped
            }
        }
        _stop.Dispose();
    }
}
