using System.Collections.Concurrent;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Options;
using Npgsql;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// The tenants of this node whose database is missing or does not answer: found at start (<see cref="RuntimeRoleGuard"/>
/// could not reach them) or by a request (<see cref="TenantDatabaseUnavailableException"/>). Such a tenant's host
/// answers 503 with <c>Retry-After</c> at once instead of each request waiting for a connection timeout; once that
/// time has passed, the next request asks the server whether the database takes connections again (one catalogue
/// query on the owner's pool), and the tenant is served as soon as it does. The other tenants never notice.
/// </summary>
public sealed class TenantAvailability(PlatformDatabases databases, TimeProvider time, IOptions<WebOptions> options, IOptions<PlatformOptions> names)
{
    private readonly ConcurrentDictionary<string, TenantOutage> _outages = new(StringComparer.Ordinal);

    private TimeSpan RetryAfter => TimeSpan.FromSeconds(options.Value.RetryAfterSeconds);

    /// <summary>The tenants unavailable now, by code.</summary>
    public IReadOnlyList<TenantOutage> Outages => [.. _outages.Values.OrderBy(o => o.TenantCode, StringComparer.Ordinal)];

    /// <summary>The outage of tenant <paramref name="tenantCode"/> as last recorded (retry time not checked), or null.</summary>
    public TenantOutage? Find(string tenantCode) => _outages.GetValueOrDefault(tenantCode);

    /// <summary>Records that <paramref name="tenantCode"/>'s database cannot be reached, for <see cref="WebOptions.RetryAfterSeconds"/>.</summary>
    public TenantOutage Report(string tenantCode, string database, string reason)
    {
        var now = time.GetUtcNow();
        return _outages.AddOrUpdate(tenantCode,
            _ => new TenantOutage(tenantCode, database, reason, now, now + RetryAfter),
            (_, known) => known with { Database = database, Reason = reason, RetryAt = now + RetryAfter });
    }

    /// <summary>Every tenant of databases the start-up check could not reach.</summary>
    public void Report(IEnumerable<UnreachableDatabase> unreachable)
    {
        ArgumentNullException.ThrowIfNull(unreachable);
        foreach (var database in unreachable)
        {
            foreach (var code in database.Tenants) Report(code, database.Database, database.Reason);
        }
    }

    /// <summary>
    /// The tenant's outage when it is still unavailable; null when it is served. An outage whose retry time has come is
    /// checked against the server first.
    /// </summary>
    public async ValueTask<TenantOutage?> CurrentAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        if (!_outages.TryGetValue(tenant.Code, out var outage)) return null;
        if (time.GetUtcNow() < outage.RetryAt) return outage;
        var server = outage.Database == tenant.DbName ? tenant.DatabaseServer
            : outage.Database == databases.Environment.DataDatabase ? databases.Environment.DataServer : FleetServer.Home;
        if (await TakesConnectionsAsync(server, outage.Database, cancellationToken))
        {
            _outages.TryRemove(new KeyValuePair<string, TenantOutage>(tenant.Code, outage));
            return null;
        }
        return Report(tenant.Code, outage.Database, outage.Reason);
    }

    /// <summary>
    /// The <c>Retry-After</c> of a request that failed with <paramref name="failure"/>: when the trouble is the tenant's
    /// own, it is recorded (the next requests get their 503 at once) and the seconds until its retry; else the default.
    /// </summary>
    public int RetryAfterSeconds(TenantDatabaseUnavailableException failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return failure.OfThisTenant ? RetryAfterSeconds(Report(failure.TenantCode, failure.Database, failure.Reason)) : options.Value.RetryAfterSeconds;
    }

    /// <summary>Seconds until the next try, for <c>Retry-After</c> (at least 1).</summary>
    public int RetryAfterSeconds(TenantOutage outage)
    {
        ArgumentNullException.ThrowIfNull(outage);
        return Math.Max(1, (int)Math.Ceiling((outage.RetryAt - time.GetUtcNow()).TotalSeconds));
    }

    /// <summary>Whether <paramref name="database"/> on <paramref name="server"/> exists, takes connections and lets the runtime role connect (not frozen by a move).</summary>
    private async Task<bool> TakesConnectionsAsync(string server, string database, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await databases.Maintenance(server).OpenConnectionAsync(cancellationToken);
            return await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database AND datallowconn AND has_database_privilege(@role, datname, 'CONNECT'))",
                new { database, role = names.Value.AppRole }, cancellationToken: cancellationToken));
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or UnknownServerException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}

/// <summary>One tenant that cannot be served now: its database, why (one line, no secret), since when, and when to try again.</summary>
public sealed record TenantOutage(string TenantCode, string Database, string Reason, DateTimeOffset Since, DateTimeOffset RetryAt);
