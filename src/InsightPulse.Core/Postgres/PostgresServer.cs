using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// Where one PostgreSQL server listens, and how to reach a database on it as a given role.
/// <paramref name="BehindTransactionPooler"/>: a transaction-mode pooler (PgBouncer, Supavisor) stands in front of
/// it, so a connection is a server session for one transaction only. <paramref name="ConnectionLimit"/>: at most this
/// many connections per pool (null: Npgsql's default, 100).
/// </summary>
public sealed record PostgresServer(string Host, int Port, SslMode SslMode = SslMode.Prefer, bool BehindTransactionPooler = false, int? ConnectionLimit = null)
{
    /// <summary>
    /// What a login name carries after the role's name on this server: Supabase's pooler takes role <c>x</c> of a
    /// project as <c>x.&lt;project-ref&gt;</c>, so its suffix is <c>.&lt;project-ref&gt;</c>; empty elsewhere.
    /// </summary>
    public string LoginSuffix { get; init; } = "";

    /// <summary>The seconds a connection attempt may take, a pooler's queue included (PgBouncer's server_connect_timeout is 15 s too).</summary>
    public const int ConnectTimeoutSeconds = 15;

    public string ConnectionString(string database, PostgresLogin login, string applicationName = "ipai")
    {
        ArgumentNullException.ThrowIfNull(login);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = Host,
            Port = Port,
            Database = database,
            Username = login.Username + LoginSuffix,
            Password = login.Password,
            SslMode = SslMode,
            ApplicationName = applicationName,
            // No connection string is ever shown, but make sure Npgsql itself drops the password once connected.
            PersistSecurityInfo = false,
            Timeout = ConnectTimeoutSeconds,
            // We never use GSSAPI. Npgsql's default (Prefer) asks for it first and, when a pooler refuses the login,
            // tries again without it: that second try met PgBouncer's server_login_retry and waited out the timeout.
            GssEncryptionMode = GssEncryptionMode.Disable,
            CommandTimeout = 300,
        };
        return builder.ConnectionString;
    }

    /// <summary>The libpq environment (PGHOST, PGPASSWORD, …) that lets psql, pg_dump and pg_restore log in without a password on their command line.</summary>
    public IReadOnlyDictionary<string, string> LibpqEnvironment(string database, PostgresLogin login, string applicationName)
    {
        ArgumentNullException.ThrowIfNull(login);
        return new Dictionary<string, string>
        {
            ["PGHOST"] = Host,
            ["PGPORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PGUSER"] = login.Username + LoginSuffix,
            ["PGPASSWORD"] = login.Password,
            ["PGDATABASE"] = database,
            ["PGSSLMODE"] = PostgresUrl.SslModeText(SslMode),
            ["PGAPPNAME"] = applicationName,
        };
    }

    public override string ToString() => $"{Host}:{Port}";
}
