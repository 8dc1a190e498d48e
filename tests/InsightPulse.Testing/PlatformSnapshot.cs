using System.Security.Cryptography;
using Dapper;
using Npgsql;

namespace InsightPulse.Testing;

/// <summary>
/// What hostile input must leave as it was, read as the server's admin (row-level security does not hide rows from it):
/// the databases, schemas and roles of the server, every table's row count and a hash of its rows in every database
/// (the registry and the other platform tables, each tenant's store, the shared data database), and the files under
/// the given folders (path, mode and SHA-256). <see cref="Changes"/> lists what differs between two snapshots.
/// </summary>
/// <remarks>
/// Left out, each for a reason: <c>ipai_web_session</c> (the runner's own sign-ins start and touch sessions), and the
/// columns a refused sign-in or a page view may move (<c>failed_login_count</c>, <c>locked_until</c>, <c>last_login</c>,
/// <c>write_date</c>), and the audit trail's refusals (<c>ipai_audit</c> rows with outcome <c>refused</c>: a refused
/// action records that it was refused, by design). Any other change of a row still changes its hash, and an audit row
/// that says an action succeeded or failed is a change.
/// </remarks>
public sealed class PlatformSnapshot
{
    private static readonly string[] SkippedTables = ["ipai_web_session"];
    private static readonly string[] VolatileColumns = ["failed_login_count", "locked_until", "last_login", "write_date"];
    private static readonly Dictionary<string, string> LeftOutRows = new(StringComparer.Ordinal) { ["ipai_audit"] = "outcome = 'refused'" };

    private readonly SortedDictionary<string, string> _entries;

    private PlatformSnapshot(SortedDictionary<string, string> entries) => _entries = entries;

    /// <summary>
    /// A snapshot of the server and <paramref name="folders"/>. <paramref name="databases"/>: only these (null: every
    /// database of the server); a per-case check takes the platform database alone, which is cheap.
    /// </summary>
    public static async Task<PlatformSnapshot> TakeAsync(PostgresFixture postgres, IEnumerable<string> folders, IReadOnlyCollection<string>? databases = null)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        ArgumentNullException.ThrowIfNull(folders);
        var entries = new SortedDictionary<string, string>(StringComparer.Ordinal);
        List<string> names;
        await using (var admin = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase)))
        {
            await admin.OpenAsync();
            names = (await admin.QueryAsync<string>("SELECT datname FROM pg_database WHERE NOT datistemplate ORDER BY datname")).ToList();
            entries["databases"] = string.Join(",", names);
            entries["roles"] = string.Join(",", await admin.QueryAsync<string>(
                "SELECT rolname || ':' || rolsuper || rolbypassrls || rolcanlogin FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname"));
        }
        foreach (var database in names.Where(n => databases is null || databases.Contains(n)))
        {
            await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
            await connection.OpenAsync();
            await AddDatabaseAsync(connection, database, entries);
        }
        foreach (var folder in folders) AddFolder(folder, entries);
        return new PlatformSnapshot(entries);
    }

    private static async Task AddDatabaseAsync(NpgsqlConnection connection, string database, SortedDictionary<string, string> entries)
    {
        var tables = (await connection.QueryAsync<(string Schema, string Table)>("""
            SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_'
            ORDER BY 1, 2
            """)).Where(t => !SkippedTables.Contains(t.Table)).ToList();
        entries[$"{database}: schemas"] = string.Join(",", await connection.QueryAsync<string>(
            "SELECT nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema' ORDER BY 1"));
        entries[$"{database}: functions"] = string.Join(",", await connection.QueryAsync<string>("""
            SELECT n.nspname || '.' || p.proname || ':' || md5(p.prosrc) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
            """));
        if (tables.Count == 0) return;
        var volatileColumns = string.Join(" - ", VolatileColumns.Select(c => $"'{c}'"));
        // One round trip for every table: its name, row count and the md5 of its rows' md5s in order.
        var sql = string.Join("\nUNION ALL\n", tables.Select(t =>
        {
            var name = $"{Quote(t.Schema)}.{Quote(t.Table)}";
            var row = $"md5((to_jsonb(t) - {volatileColumns})::text)";
            var where = LeftOutRows.TryGetValue(t.Table, out var leftOut) ? $" WHERE NOT ({leftOut})" : "";
            return $"SELECT '{(t.Schema + "." + t.Table).Replace("'", "''", StringComparison.Ordinal)}' AS name, count(*) || ' ' || coalesce(md5(string_agg({row}, '' ORDER BY {row})), '') AS digest FROM {name} t{where}";
        }));
        foreach (var (name, digest) in await connection.QueryAsync<(string, string)>(sql)) entries[$"{database}: {name}"] = digest;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void AddFolder(string folder, SortedDictionary<string, string> entries)
    {
        if (!Directory.Exists(folder))
        {
            entries[$"file {folder}"] = "absent";
            return;
        }
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var mode = entry.UnixFileMode;
            entries[$"file {entry.FullName}"] = entry switch
            {
                _ when entry.LinkTarget is { } target => $"link {target}",
                DirectoryInfo => $"dir {mode}",
                _ => $"{mode} {Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(entry.FullName)))}",
            };
        }
    }

    /// <summary>What differs from <paramref name="before"/>: one line per entry added, removed or changed.</summary>
    public IReadOnlyList<string> Changes(PlatformSnapshot before)
    {
        ArgumentNullException.ThrowIfNull(before);
        var changes = new List<string>();
        foreach (var (key, value) in _entries)
        {
            if (!before._entries.TryGetValue(key, out var old)) changes.Add($"added {key}: {Short(value)}");
            else if (old != value) changes.Add($"changed {key}: {Short(old)} -> {Short(value)}");
        }
        changes.AddRange(before._entries.Keys.Where(k => !_entries.ContainsKey(k)).Select(k => $"removed {k}"));
        return changes;
    }

    public int Count => _entries.Count;

    private static string Short(string value) => value.Length <= 200 ? value : value[..200] + "…";
}
