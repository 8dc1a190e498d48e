using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace InsightPulse.Core.Postgres;

/// <summary>One SQL script, identified by its file name (ordered by it), with the checksum of its bytes.</summary>
public sealed record Migration(string Id, string Sql)
{
    /// <summary>Computed from <see cref="Sql"/> on each read, so that a copy made with <c>with</c> never keeps a stale checksum.</summary>
    public string Checksum => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));

    /// <summary>
    /// A set of scripts in one value: SHA-256 over each one's scope, id and checksum, in any order (what a run or a
    /// record says it was made by, and what this build's scripts are).
    /// </summary>
    public static string Fingerprint(IEnumerable<(string Scope, Migration Migration)> scripts) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', scripts
            .Select(s => $"{s.Scope}/{s.Migration.Id} {s.Migration.Checksum}")
            .Order(StringComparer.Ordinal)))));

    /// <summary>Scripts embedded in an assembly under a logical-name prefix (e.g. <c>platform/</c>), in name order.</summary>
    public static IReadOnlyList<Migration> FromResources(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream, Encoding.UTF8);
                return new Migration(n[prefix.Length..], reader.ReadToEnd());
            })
            .ToList();
    }
}
