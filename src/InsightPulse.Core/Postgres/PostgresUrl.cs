using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// A <c>postgres://user:pass@host:port/db?sslmode=…</c> URL as Supabase hands it out, turned into an
/// Npgsql connection string. <c>sslmode</c> is read. The server is reached through a transaction-mode pooler, which
/// keeps no prepared statement or session state from one transaction to the next, when the URL says so as Supabase
/// writes it (port <see cref="TransactionPoolerPort"/>, or its pooler's <c>supa=…</c> parameter) or as Prisma does
/// (<c>pgbouncer=true</c>); <c>pgbouncer=false</c> says it is not, whatever the port. <c>connection_limit=N</c>
/// (Prisma's name too) caps each of the platform's connection pools at N connections; other parameters are ignored.
/// </summary>
public sealed record PostgresUrl
{
    public required string Host { get; init; }
    public required int Port { get; init; }
    public required string Username { get; init; }
    public required string Password { get; init; }
    public required string Database { get; init; }
    public SslMode SslMode { get; init; } = SslMode.Prefer;
    public IReadOnlyList<string> IgnoredParameters { get; init; } = [];

    /// <summary>A transaction-mode pooler stands in front of the server (no prepared statements, no session state): see <see cref="PoolerEvidence"/>.</summary>
    public bool BehindTransactionPooler => PoolerEvidence is not null;

    /// <summary>What in the URL says that a transaction-mode pooler stands in front (e.g. <c>port 6543</c>); null when none does.</summary>
    public string? PoolerEvidence { get; init; }

    /// <summary>The port of Supabase's transaction-mode pooler (its session mode and the database itself are on 5432).</summary>
    public const int TransactionPoolerPort = 6543;

    /// <summary>The parameter Supabase's pooler URLs carry (<c>supa=base-pooler.x</c>).</summary>
    public const string SupabasePoolerParameter = "supa";

    /// <summary><c>connection_limit=N</c>: at most N connections per pool (unset: Npgsql's default, 100).</summary>
    public int? ConnectionLimit { get; init; }

    /// <summary>The largest <c>connection_limit</c> taken (far above any server's <c>max_connections</c> in use).</summary>
    public const int MaxConnectionLimit = 10_000;

    /// <summary>The URL with its password replaced by <c>***</c>: the only form that may be shown or logged.</summary>
    public string Redacted => $"postgres://{Uri.EscapeDataString(Username)}:***@{HostForUrl}:{Port}/{Uri.EscapeDataString(Database)}";

    private string HostForUrl => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;

    public override string ToString() => Redacted;

    public static PostgresUrl Parse(string url) => Parse(url, "POSTGRES_URL");

    /// <summary>Parses the URL of <paramref name="variable"/> (its name is what error messages say).</summary>
    public static PostgresUrl Parse(string url, string variable)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            throw new FormatException($"{variable} is empty: set it to postgres://user:password@host:port/database.");
        }
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql"))
        {
            // Never echo the value: it may hold a password.
            throw new FormatException($"{variable} is not a postgres:// URL: expected postgres://user:password@host:port/database?sslmode=require.");
        }
        var userInfo = uri.UserInfo.Split(':', 2);
        var username = Uri.UnescapeDataString(userInfo[0]);
        if (username.Length == 0)
        {
            throw new FormatException($"{variable} has no user name: expected postgres://user:password@host:port/database.");
        }
        var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "";
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        var result = new PostgresUrl
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Username = username,
            Password = password,
            Database = database.Length == 0 ? "postgres" : database,
        };
        var ignored = new List<string>();
        var sslMode = SslMode.Prefer;
        bool? pgbouncer = null;
        string? supabasePooler = null;
        int? connectionLimit = null;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(kv[0]);
            var value = kv.Length > 1 ? Uri.UnescapeDataString(kv[1]) : "";
            if (key == "sslmode")
            {
                sslMode = ParseSslMode(value, variable);
            }
            else if (key == "pgbouncer")
            {
                pgbouncer = value switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw new FormatException($"{variable} has pgbouncer={Sql.Printable(value)}: use true or false."),
                };
            }
            else if (key == "connection_limit")
            {
                connectionLimit = int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxConnectionLimit
                    ? limit
                    : throw new FormatException($"{variable} has connection_limit={Sql.Printable(value)}: use a whole number from 1 to {MaxConnectionLimit}.");
            }
            else if (key == SupabasePoolerParameter)
            {
                supabasePooler = $"{SupabasePoolerParameter}={value}";
            }
            else
            {
                ignored.Add(key);
            }
        }
        // The operator's word (pgbouncer=…) first; then what Supabase's pooler URLs look like.
        var evidence = pgbouncer switch
        {
            true => "pgbouncer=true",
            false => null,
            null when result.Port == TransactionPoolerPort => $"port {TransactionPoolerPort}",
            null => supabasePooler,
        };
        return result with { SslMode = sslMode, IgnoredParameters = ignored, PoolerEvidence = evidence, ConnectionLimit = connectionLimit };
    }

    /// <summary>An <c>sslmode</c> as libpq writes it (the URL's parameter, PGSSLMODE, <c>ipai_server.sslmode</c>).</summary>
    public static SslMode ParseSslMode(string value, string source) => value switch
    {
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "prefer" => SslMode.Prefer,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCA,
        "verify-full" => SslMode.VerifyFull,
        _ => throw new FormatException($"{source} has sslmode={Sql.Printable(value)}: use disable, prefer, require, verify-ca or verify-full."),
    };

    /// <summary>The libpq spelling of <paramref name="mode"/> (<see cref="ParseSslMode"/> reads it back).</summary>
    public static string SslModeText(SslMode mode) => mode switch
    {
        SslMode.VerifyCA => "verify-ca",
        SslMode.VerifyFull => "verify-full",
        _ => mode.ToString().ToLowerInvariant(),
    };
}
