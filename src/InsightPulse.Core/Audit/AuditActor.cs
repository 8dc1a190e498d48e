using System.Text;

namespace InsightPulse.Core.Audit;

/// <summary>
/// Who acted (<c>ipai_audit.actor</c>): <c>cli:&lt;os user&gt;</c> for the command line (the user the process runs as,
/// e.g. <c>cli:root</c>; under sudo still root, as the process is), <c>web:&lt;tenant&gt;/&lt;login&gt;</c> for a
/// signed-in user (an administrator on the users page, a platform administrator in the console, anyone opening a
/// dashboard), <c>api:operator</c> for the operator API (its bearer token names no person), <c>bi-api:&lt;tenant&gt;</c>
/// for a tenant's BI service account on the Superset-shaped API. Control characters are replaced and the name is cut
/// at <see cref="MaxLength"/>.
/// </summary>
public sealed record AuditActor
{
    public const int MaxLength = 200;

    private AuditActor(string name) => Name = Clean(name);

    public string Name { get; }

    /// <summary>The operator API: whoever holds the operator token.</summary>
    public static AuditActor OperatorApi { get; } = new("api:operator");

    /// <summary>The command line, as the OS user this process runs as.</summary>
    public static AuditActor CommandLine { get; } = Cli(Environment.UserName);

    public static AuditActor Cli(string osUser) => new($"cli:{(string.IsNullOrWhiteSpace(osUser) ? "unknown" : osUser)}");

    /// <summary>A user signed in at <paramref name="tenantCode"/> with <paramref name="login"/>.</summary>
    public static AuditActor WebUser(string tenantCode, string login) => new($"web:{tenantCode}/{login}");

    /// <summary>The BI service account of <paramref name="tenantCode"/> (Superset-shaped API).</summary>
    public static AuditActor BiApi(string tenantCode) => new($"bi-api:{tenantCode}");

    public override string ToString() => Name;

    private static string Clean(string name)
    {
        var clean = new StringBuilder(Math.Min(name.Length, MaxLength));
        foreach (var c in name)
        {
            if (clean.Length == MaxLength) break;
            clean.Append(char.IsControl(c) ? '?' : c);
        }
        return clean.ToString();
    }
}
