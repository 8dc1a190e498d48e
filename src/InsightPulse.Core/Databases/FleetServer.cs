using System.Text.RegularExpressions;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Databases;

/// <summary>
/// One PostgreSQL server of the fleet (a row of <c>ipai_server</c>): tenant databases are placed on it. The home
/// server (<see cref="Home"/>) is the platform's own, wherever POSTGRES_URL or the managed cluster puts it, so it
/// has no address of its own here. <see cref="MaintenanceDatabase"/> is where the owner runs <c>CREATE DATABASE</c>.
/// </summary>
public sealed partial record FleetServer(string Name, string? Host, int? Port, string SslMode, string MaintenanceDatabase, FleetServerState State, DateTimeOffset CreateDate)
{
    /// <summary>The platform's own server: the platform database, the shared data database, and every tenant placed before the fleet grew.</summary>
    public const string Home = "home";

    public bool IsHome => Name == Home;

    /// <summary>A server's name: lower-case letters, digits and '_', starting with a letter, at most 31 characters (as <c>ipai_server</c> checks).</summary>
    [GeneratedRegex("^[a-z][a-z0-9_]{0,30}$")]
    public static partial Regex NamePattern();

    /// <summary>Where an added server listens (home: null, it is the platform's URL).</summary>
    public PostgresServer? Address => Host is null || Port is null ? null : new PostgresServer(Host, Port.Value, PostgresUrl.ParseSslMode(SslMode, "sslmode"));
}
