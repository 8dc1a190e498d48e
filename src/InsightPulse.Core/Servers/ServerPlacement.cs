using InsightPulse.Core.Databases;

namespace InsightPulse.Core.Servers;

/// <summary>
/// Where a new tenant's database goes when the operator did not say (<c>--server</c>): the active server that holds
/// the fewest tenants, then the least data, then the first by name (home first), so that the choice is explainable
/// and repeatable. Servers that do not answer and draining servers take no new tenant.
/// </summary>
public sealed class ServerPlacement(ServerRegistry servers)
{
    /// <summary>The server for a tenant whose database is <paramref name="dbName"/> (the platform database's tenants stay home).</summary>
    public async Task<string> ChooseAsync(string dbName, CancellationToken cancellationToken)
    {
        if (dbName == PlatformOptions.PlatformDatabase) return FleetServer.Home;
        // One registry query; the sizes (pg_database_size of every tenant database, a stat of each one's files) only
        // for the servers tied at the fewest tenants: placement must not cost more as the fleet grows.
        var counts = await servers.TenantCountsAsync(cancellationToken);
        var fewest = counts.Where(c => c.Server.State == FleetServerState.Active).GroupBy(c => c.Tenants).OrderBy(g => g.Key).FirstOrDefault()?.ToList() ?? [];
        var chosen = fewest.Count == 1 ? fewest[0].Server.Name : Choose(await servers.LoadsAsync(fewest.Select(c => c.Server).ToList(), cancellationToken));
        return chosen ?? throw new ServerException("No active server answers to take a new tenant: `./ipai server list` shows why; `./ipai server activate NAME` takes a drained one back.");
    }

    /// <summary>The choice among <paramref name="loads"/> (null: none can take a tenant).</summary>
    public static string? Choose(IEnumerable<ServerLoad> loads)
    {
        ArgumentNullException.ThrowIfNull(loads);
        return loads
            .Where(l => l.Server.State == FleetServerState.Active && l.Error is null)
            .OrderBy(l => l.Tenants).ThenBy(l => l.Bytes).ThenBy(l => !l.Server.IsHome).ThenBy(l => l.Server.Name, StringComparer.Ordinal)
            .Select(l => l.Server.Name)
            .FirstOrDefault();
    }
}
