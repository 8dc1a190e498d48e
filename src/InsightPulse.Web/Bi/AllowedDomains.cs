using System.Text.RegularExpressions;

namespace InsightPulse.Web.Bi;

/// <summary>
/// An embedded dashboard's <c>allowed_domains</c>: origins written <c>[scheme://]host[:port]</c>. The embedding page's
/// origin (from its Referer, as Superset checks it) must match one: same host, and the same scheme and port when the
/// entry names them. Empty: any page may embed (Superset's meaning).
/// </summary>
public static partial class AllowedDomains
{
    [GeneratedRegex(@"\A(?:(?<scheme>https?)://)?(?<host>[A-Za-z0-9.-]{1,253})(?::(?<port>[0-9]{1,5}))?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Entry();

    public static bool IsValid(string? entry) => entry is not null && Entry().IsMatch(entry);

    /// <summary>Whether a page at <paramref name="referer"/> may embed a dashboard with these <paramref name="domains"/>.</summary>
    public static bool Allows(IReadOnlyList<string> domains, string? referer)
    {
        ArgumentNullException.ThrowIfNull(domains);
        if (domains.Count == 0) return true;
        if (!Uri.TryCreate(referer, UriKind.Absolute, out var page) || page.Scheme is not ("http" or "https")) return false;
        foreach (var domain in domains)
        {
            var match = Entry().Match(domain);
            if (!match.Success) continue;
            if (!string.Equals(match.Groups["host"].Value, page.Host, StringComparison.OrdinalIgnoreCase)) continue;
            if (match.Groups["scheme"].Success && match.Groups["scheme"].Value != page.Scheme) continue;
            if (match.Groups["port"].Success && match.Groups["port"].Value != page.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)) continue;
            return true;
        }
        return false;
    }

    /// <summary>The CSP <c>frame-ancestors</c> source list for these domains ('self' always; any when empty).</summary>
    public static string FrameAncestors(IReadOnlyList<string> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        if (domains.Count == 0) return "*";
        var sources = domains.Select(d => Entry().Match(d)).Where(m => m.Success).Select(m =>
            (m.Groups["scheme"].Success ? m.Groups["scheme"].Value + "://" : "") + m.Groups["host"].Value.ToLowerInvariant() +
            (m.Groups["port"].Success ? ":" + m.Groups["port"].Value : ":*"));
        return string.Join(' ', sources.Prepend("'self'"));
    }
}
