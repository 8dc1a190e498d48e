using System.Data.Common;

namespace InsightPulse.Core.Databases;

/// <summary>How a row of <c>ipai_server</c> is read (the one place that knows its columns).</summary>
public static class FleetServerColumns
{
    public const string List = "name, host, port, sslmode, maintenance_database, state, create_date";

    public const string Select = $"SELECT {List} FROM ipai_server ORDER BY name <> 'home', name";

    /// <summary>The home server of a platform database from before <c>ipai_server</c>.</summary>
    public static FleetServer HomeOnly { get; } = new(FleetServer.Home, null, null, "prefer", "postgres", FleetServerState.Active, DateTimeOffset.UnixEpoch);

    public static FleetServer Read(DbDataReader r)
    {
        ArgumentNullException.ThrowIfNull(r);
        return new FleetServer(
            r.GetString(0),
            r.IsDBNull(1) ? null : r.GetString(1),
            r.IsDBNull(2) ? null : r.GetInt32(2),
            r.GetString(3),
            r.GetString(4),
            r.GetString(5) == "draining" ? FleetServerState.Draining : FleetServerState.Active,
            r.GetFieldValue<DateTimeOffset>(6));
    }
}
