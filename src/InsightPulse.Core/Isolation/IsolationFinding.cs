namespace InsightPulse.Core.Isolation;

/// <summary>
/// One finding of <see cref="IsolationLint"/>: its level, the lint's name (splinter's where one exists), the
/// tenant(s) whose store holds the object (comma-separated when a store is shared; empty for the server), the
/// database, the object (<c>schema.name</c>), what is wrong, and the fix.
/// </summary>
public sealed record IsolationFinding(IsolationLevel Level, string Lint, string Tenant, string Database, string ObjectName, string Detail, string Fix)
{
    public string LevelText => Level switch
    {
        IsolationLevel.Error => "ERROR",
        IsolationLevel.Warn => "WARN",
        _ => "INFO",
    };
}
