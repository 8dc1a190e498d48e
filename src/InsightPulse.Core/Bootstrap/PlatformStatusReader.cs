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
            await using var data = await databases.Data.OpenConnectionAsync(cancellationToken);
            var version = await data.ExecuteScalarAsync<string>(new CommandDefinition("SHOW server_version", cancellationToken: cancellationToken));
            var existing = (await data.QueryAsync<string>(new CommandDefinition("SELECT datname FROM pg_database", cancellationToken: cancellationToken))).ToHashSet();
            var databasesList = new List<DatabaseStatus>
            {
                new(environment.PlatformDatabase, "platform", existing.Contains(environment.PlatformDatabase)),
                new(environment.DataDatabase, "data", existing.Contains(environment.DataDatabase)),
            };
            status = status with { ServerVersion = version, Databases = databasesList };
            if (!existing.Contains(environment.PlatformDatabase))
            {
                return status with { Problem = $"no platform database {environment.PlatformDatabase}: run `make up`" };
            }
            await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
            var hasRegistry = await platform.ExecuteScalarAsync<bool>(new CommandDefinition("SELECT to_regclass('ipai_tenant') IS NOT NULL", cancellationToken: cancellationToken));
            if (!hasRegistry) return status with { Problem = "the platform migrations have not run: run `make up`" };
            var tenants = (await platform.QueryAsync<(string State, string DbName)>(new CommandDefinition(
                "SELECT state, db_name FROM ipai_tenant ORDER BY db_name", cancellationToken: cancellationToken))).ToList();
            foreach (var db in tenants.Select(t => t.DbName).Distinct().Where(d => d != environment.PlatformDatabase))
            {
                databasesList.Add(new DatabaseStatus(db, "tenant", existing.Contains(db)));
            }
            return status with
            {
                TenantCount = tenants.Count,
                TenantsByState = tenants.GroupBy(t => t.State).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            };
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return status with { Server = source.Mode == PlatformMode.Managed ? status.Server : "unreachable", Problem = PostgresErrors.Describe(e) };
        }
    }
}
