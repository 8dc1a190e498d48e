namespace InsightPulse.Core.ManagedPostgres;

/// <summary>The managed cluster's settings (configuration section <c>Local</c>).</summary>
public sealed class LocalOptions
{
    public const string Section = "Local";

    /// <summary>Folder of local state (cluster, secrets). Default: <c>$IPAI_HOME</c>, else <c>.ipai</c> in the current folder.</summary>
    public string? Home { get; set; }

    /// <summary>Folder holding initdb and pg_ctl; default: the newest <c>/usr/lib/postgresql/*/bin</c>.</summary>
    public string? PgBinDir { get; set; }

    public string ResolveHome() =>
        Path.GetFullPath(!string.IsNullOrEmpty(Home) ? Home
            : Environment.GetEnvironmentVariable("IPAI_HOME") is { Length: > 0 } fromEnvironment ? fromEnvironment
            : Path.Combine(Directory.GetCurrentDirectory(), ".ipai"));
}
