using System.Globalization;

namespace InsightPulse.Core.Bi;

/// <summary>
/// A database connection of a workspace (Superset's "database", <c>ipai_bi_database</c>): a PostgreSQL login and
/// database; <see cref="Options"/> are libpq's startup options (e.g. <c>-c app.tenant_id=tbwa</c>). The password is
/// not here: only <see cref="BiDatabases"/> reads it, to connect.
/// </summary>
public sealed record BiDatabase(long Id, Guid Uuid, string TenantCode, string DatabaseName, string Host, int Port, string Database, string Username, string? Options, string SslMode)
{
    /// <summary>What Superset shows for a connection: its SQLAlchemy URI with the password masked.</summary>
    public string MaskedUri => SqlAlchemyUri.Format(Host, Port, Database, Username, SqlAlchemyUri.Mask, Options, SslMode);
}

/// <summary>A SQLAlchemy URI for PostgreSQL: <c>postgresql://user:password@host:port/database?options=…&amp;sslmode=…</c>.</summary>
public static class SqlAlchemyUri
{
    /// <summary>Superset's mask for a password in a URI it returns; a PUT with it keeps the stored password.</summary>
    public const string Mask = "XXXXXXXXXX";

    public static string Format(string host, int port, string database, string username, string password, string? options, string sslMode)
    {
        var query = new List<string>();
        if (!string.IsNullOrEmpty(options)) query.Add("options=" + Uri.EscapeDataString(options));
        if (sslMode != "prefer") query.Add("sslmode=" + Uri.EscapeDataString(sslMode));
        var hostPart = host.Contains(':', StringComparison.Ordinal) ? $"[{host}]" : host;
        return $"postgresql://{Uri.EscapeDataString(username)}:{Uri.EscapeDataString(password)}@{hostPart}:{port.ToString(CultureInfo.InvariantCulture)}/{Uri.EscapeDataString(database)}"
            + (query.Count > 0 ? "?" + string.Join('&', query) : "");
    }

    /// <summary>The parts of <paramref name="uri"/>; a <see cref="BiWorkspaceException"/> saying what is wrong otherwise.</summary>
    public static (string Host, int Port, string Database, string Username, string Password, string? Options, string SslMode) Parse(string? uri)
    {
        if (string.IsNullOrWhiteSpace(uri) || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed)
            || parsed.Scheme is not ("postgresql" or "postgres" or "postgresql+psycopg2") || string.IsNullOrEmpty(parsed.Host))
        {
            throw new BiWorkspaceException("sqlalchemy_uri: expected postgresql://user:password@host:port/database.", "This BI service connects to PostgreSQL only.");
        }
        var user = parsed.UserInfo.Split(':', 2);
        var username = Uri.UnescapeDataString(user[0]);
        var password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "";
        var database = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/'));
        if (username.Length == 0 || database.Length == 0 || database.Contains('/', StringComparison.Ordinal))
        {
            throw new BiWorkspaceException("sqlalchemy_uri: name the user and the database (postgresql://user:password@host:port/database).", "Add them to the URI.");
        }
        string? options = null;
        var sslMode = "prefer";
        foreach (var pair in parsed.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var value = kv.Length > 1 ? Uri.UnescapeDataString(kv[1].Replace("+", " ", StringComparison.Ordinal)) : "";
            switch (kv[0])
            {
                case "options": options = value; break;
                case "sslmode": sslMode = value; break;
                case "application_name" or "connect_timeout": break;
                default: throw new BiWorkspaceException($"sqlalchemy_uri: the parameter '{Postgres.Sql.Printable(kv[0])}' is not supported.", "Use options and sslmode only.");
            }
        }
        if (options is not null && options.Any(char.IsControl)) throw new BiWorkspaceException("sqlalchemy_uri: options holds a control character.", "Remove it.");
        if (sslMode is not ("disable" or "prefer" or "require" or "verify-ca" or "verify-full")) throw new BiWorkspaceException($"sqlalchemy_uri: sslmode '{Postgres.Sql.Printable(sslMode)}' is unknown.", "Use disable, prefer, require, verify-ca or verify-full.");
        return (parsed.Host.Trim('[', ']'), parsed.IsDefaultPort || parsed.Port <= 0 ? 5432 : parsed.Port, database, username, password, options, sslMode);
    }
}
