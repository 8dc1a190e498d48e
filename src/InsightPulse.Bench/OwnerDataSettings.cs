using InsightPulse.Core.Databases;
using Npgsql;

namespace InsightPulse.Bench;

/// <summary>
/// A benchmark's baseline path reads tables without RLS that no runtime role may read, so it reads them as the owner,
/// on a pool set up as the runtime roles' are (prepared statements included): the paths then differ only in role.
/// </summary>
public static class OwnerDataSettings
{
    /// <summary>The owner's connection settings on the shared data database (on its server), configured like a runtime pool.</summary>
    public static NpgsqlConnectionStringBuilder Of(PlatformDatabases databases, string applicationName)
    {
        ArgumentNullException.ThrowIfNull(databases);
        var dataServer = databases.Environment.DataServer;
        var server = databases.AddressOf(dataServer);
        var settings = new NpgsqlConnectionStringBuilder(server.ConnectionString(databases.Environment.DataDatabase, databases.OwnerOn(dataServer), applicationName));
        PlatformDatabases.Configure(settings, server, runtimeRole: true);
        return settings;
    }
}
