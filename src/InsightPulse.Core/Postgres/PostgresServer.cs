using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>Where one PostgreSQL server listens, and how to reach a database on it as a given role.</summary>
public sealed record PostgresServer(string Host, int Port, SslMode SslMode = SslMode.Prefer)
{
    public string ConnectionString(string database, PostgresLogin login, string applicationName = "ipai")
    {
        ArgumentNullException.ThrowIfNull(login);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = login.Username,
            Password = login.Password,
            SslMode = SslMode,
            ApplicationName = applicationName,
            // No connection string is ever shown, but make sure Npgsql itself drops the password once connected.
            PersistSecurityInfo = false,
            Timeout = 15,
            CommandTimeout = 300,
        };
        return builder.ConnectionString;
    }

    public override string ToString() => $"{Host}:{Port}";
}
