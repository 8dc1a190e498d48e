namespace InsightPulse.Core.ManagedPostgres;

/// <summary>
/// Finds the PostgreSQL server programs. Debian keeps them in <c>/usr/lib/postgresql/&lt;major&gt;/bin</c>,
/// which is not on PATH; an explicit folder (configuration <c>Local:PgBinDir</c>) wins.
/// </summary>
public sealed record PostgresBinaries(string BinDir)
{
    public string InitDb => Path.Combine(BinDir, "initdb");
    public string PgCtl => Path.Combine(BinDir, "pg_ctl");
    public string Postgres => Path.Combine(BinDir, "postgres");

    /// <summary>psql is a client program: Debian puts a wrapper on PATH, the real one sits beside the server.</summary>
    public string Psql => File.Exists(Path.Combine(BinDir, "psql")) ? Path.Combine(BinDir, "psql") : "psql";

    public const string InstallHint =
        "PostgreSQL server not found: install it with `apt-get install postgresql` (as root, `make up` does it for you), or set IPAI__Local__PgBinDir to the folder holding initdb and pg_ctl.";

    public static PostgresBinaries? TryFind(string? configuredBinDir, string debianRoot = "/usr/lib/postgresql")
    {
        if (!string.IsNullOrEmpty(configuredBinDir))
        {
            return File.Exists(Path.Combine(configuredBinDir, "initdb")) ? new PostgresBinaries(configuredBinDir) : null;
        }
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.GetDirectories(debianRoot)
                .Select(dir => (dir, major: int.TryParse(Path.GetFileName(dir), out var v) ? v : -1))
                .Where(x => x.major > 0 && File.Exists(Path.Combine(x.dir, "bin", "initdb")))
                .OrderByDescending(x => x.major)
                .Select(x => Path.Combine(x.dir, "bin"))
                .FirstOrDefault();
            if (newest is not null) return new PostgresBinaries(newest);
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return new PostgresBinaries(dir);
            }
        }
        return null;
    }

    public static PostgresBinaries Find(string? configuredBinDir) =>
        TryFind(configuredBinDir) ?? throw new ManagedClusterException(InstallHint);
}
