using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Bootstrap;

/// <summary>Reads the platform's state without changing anything.</summary>
public sealed class PlatformStatusReader(PlatformEnvironmentSource source, PlatformDatabases databases)
{
    public async Task<PlatformStatus> ReadAsync(CancellationToken cancellationToken)
    {
        var cluster = source.Cluster;
        if (source.Mode == PlatformMode.Managed)
        {
            if (!cluster.IsInitialized)
            {
                return new PlatformStatus { Mode = "managed", Target = cluster.Home, Server = "not_initialized", Problem = "no cluster yet: run `make up`" };
            }
            if (!await cluster.IsRunningAsync(cancellationToken))
            {
                return new PlatformStatus
                {
                    Mode = "managed", Target = cluster.Home, Server = "stopped", Port = cluster.State!.Port,
                    ClusterDir = cluster.State.ClusterDir, Problem = "the cluster is stopped: `make up` starts it",
                };
            }
        }

        var environment = source.Current;
        var status = new PlatformStatus
        {
            Mode = source.Mode == PlatformMode.Managed ? "managed" : "external",
            Target = environment.Description,
            Urls = environment.Urls,
            Server = source.Mode == PlatformMode.Managed ? "running" : "reachable",
            Port = environment.Server.Port,
            ClusterDir = source.Mode == PlatformMode.Managed ? cluster.State!.ClusterDir : null,
        };
        try
        {
            await using var home = await databases.Maintenance(FleetServer.Home).OpenConnectionAsync(cancellationToken);
            var version = await home.ExecuteScalarAsync<string>(new CommandDefinition("SHOW server_version", cancellationToken: cancellationToken));
            var existing = (await home.QueryAsync<string>(new CommandDefinition("SELECT datname FROM pg_database", cancellationToken: cancellationToken))).ToHashSet(StringComparer.Ordinal);
            var existingOn = new Dictionary<string, HashSet<string>?>(StringComparer.Ordinal) { [FleetServer.Home] = existing };
            async Task<bool> ExistsAsync(string server, string database)
            {
                if (!existingOn.TryGetValue(server, out var onServer)) existingOn[server] = onServer = await DatabaseNamesAsync(server, cancellationToken);
                return onServer?.Contains(database) == true;
            }
            var databasesList = new List<DatabaseStatus>
            {
                new(environment.PlatformDatabase, "platform", existing.Contains(environment.PlatformDatabase)),
                new(environment.DataDatabase, "data", await ExistsAsync(environment.DataServer, environment.DataDatabase)) { Server = environment.DataServer },
            };
            status = status with { ServerVersion = version, Databases = databasesList };
            if (!existing.Contains(environment.PlatformDatabase))
            {
                return status with { Problem = $"no platform database {environment.PlatformDatabase}: run `make up`" };
            }
            await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
            var hasRegistry = await platform.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT to_regclass('ipai_tenant') IS NOT NULL", cancellationToken: cancellationToken));
            if (!hasRegistry) return status with { Problem = "the platform migrations have not run: run `make up`" };
            // (to_jsonb: the server column's value, or null on a platform database from before the fleet's servers.)
            var tenants = (await platform.QueryAsync<(string State, string DbName, string? Server)>(new CommandDefinition(
                "SELECT state, db_name, to_jsonb(t) ->> 'server' FROM ipai_tenant t ORDER BY db_name", cancellationToken: cancellationToken))).ToList();
            foreach (var db in tenants.Where(t => t.DbName != environment.PlatformDatabase).Select(t => (Server: t.Server ?? FleetServer.Home, t.DbName)).Distinct())
            {
                databasesList.Add(new DatabaseStatus(db.DbName, "tenant", await ExistsAsync(db.Server, db.DbName)) { Server = db.Server });
            }
            return status with
            {
                TenantCount = tenants.Count,
                TenantsByState = tenants.GroupBy(t => t.State).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
                TenantsByServer = tenants.GroupBy(t => t.Server ?? (t.State == "draft" ? "unplaced" : FleetServer.Home)).OrderBy(g => g.Key != FleetServer.Home).ThenBy(g => g.Key, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Count()),
            };
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return status with { Server = source.Mode == PlatformMode.Managed ? status.Server : "unreachable", Problem = PostgresErrors.Describe(e) };
        }
    }

    /// <summary>The databases of fleet server <paramref name="server"/>, or null when it does not answer.</summary>
    private async Task<HashSet<string>?> DatabaseNamesAsync(string server, CancellationToken cancellationToken)
    {
        try
        {
            return await databases.DatabaseNamesAsync(server, cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException or UnknownServerException)
        {
            return null;
        }
    }
}
