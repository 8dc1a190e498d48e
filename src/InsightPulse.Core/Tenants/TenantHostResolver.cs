using System.Text.RegularExpressions;

namespace InsightPulse.Core.Tenants;

/// <summary>
/// Which tenant a request's host name belongs to (the seed's "--db-filter → tenant DB" step), resolved against a
/// snapshot of the registry, in this order:
/// <list type="number">
/// <item>the tenant whose <c>primary_domain</c> is the host;</item>
/// <item>the development suffix (<see cref="TenantHosts"/>): <c>localhost</c> is the platform tenant,
/// <c>afc-client.localhost</c> the tenant <c>afc_client</c> (its code with '_' written '-'; Chromium resolves
/// <c>*.localhost</c> to loopback);</item>
/// <item>an Odoo-style <c>--db-filter</c> regular expression, with <c>%h</c> replaced by the whole host and <c>%d</c>
/// by its first label (the second when the first is <c>www</c>), both escaped, matched from the start of each
/// tenant's database name as Odoo's <c>re.match</c> does; it decides only when exactly one tenant matches.</item>
/// </list>
/// The host is compared without its port, in lower case, without a trailing dot; anything that is not a plain host
/// name resolves to nothing.
/// </summary>
public sealed class TenantHostResolver
{
    private static readonly TimeSpan RegexBudget = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<string, Tenant> _byDomain;
    private readonly Dictionary<string, Tenant> _byCode;
    private readonly List<Tenant> _tenants;
    private readonly TenantHostOptions _options;

    public TenantHostResolver(IEnumerable<Tenant> tenants, TenantHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        ArgumentNullException.ThrowIfNull(options);
        _tenants = tenants.OrderBy(t => t.Code, StringComparer.Ordinal).ToList();
        _byDomain = _tenants.Where(t => t.PrimaryDomain is not null).ToDictionary(t => t.PrimaryDomain!, StringComparer.Ordinal);
        _byCode = _tenants.ToDictionary(t => t.Code, StringComparer.Ordinal);
        _options = options;
    }

    /// <summary>How many tenants this resolver knows.</summary>
    public int Count => _tenants.Count;

    /// <summary>The tenant for <paramref name="host"/> (as sent in Host: may carry a port), or null.</summary>
    public Tenant? Resolve(string? host)
    {
        var name = NormalizeHost(host);
        if (name is null) return null;
        if (_byDomain.TryGetValue(name, out var byDomain)) return byDomain;
        if (TenantHosts.CodeOfDevelopmentHost(name, _options.DevelopmentSuffix) is { } code && _byCode.TryGetValue(code, out var byCode)) return byCode;
        return _options.DbFilter is { Length: > 0 } filter ? ByDbFilter(filter, name) : null;
    }

    private Tenant? ByDbFilter(string filter, string host)
    {
        var first = host.Split('.', 2);
        var label = first[0] == "www" && first.Length == 2 ? first[1].Split('.')[0] : first[0];
        var pattern = filter.Replace("%h", Regex.Escape(host), StringComparison.Ordinal).Replace("%d", Regex.Escape(label), StringComparison.Ordinal);
        Regex regex;
        try
        {
            regex = new Regex(@"\G(?:" + pattern + ")", RegexOptions.CultureInvariant, RegexBudget);
        }
        catch (ArgumentException)
        {
            return null; // validated at start-up (TenantHostOptions.Validate); a substitution cannot make it invalid
        }
        try
        {
            var matches = _tenants.Where(t => regex.IsMatch(t.DbName)).ToList();
            return matches.Count == 1 ? matches[0] : null;
        }
        catch (RegexMatchTimeoutException)
        {
            return null;
        }
    }

    /// <summary>A host name from a Host header: no port, lower case, no trailing dot; null when it is not a plain host name.</summary>
    public static string? NormalizeHost(string? host)
    {
        if (string.IsNullOrWhiteSpace(host) || host.Length > 300) return null;
        var name = host.Trim();
        if (name.StartsWith('[')) return null; // an IPv6 literal is never a tenant's host
        var colon = name.LastIndexOf(':');
        if (colon >= 0)
        {
            var port = name[(colon + 1)..];
            if (port.Length == 0 || port.Length > 5 || !port.All(char.IsAsciiDigit) || int.Parse(port, System.Globalization.CultureInfo.InvariantCulture) > 65535) return null;
            name = name[..colon];
        }
        name = name.TrimEnd('.').ToLowerInvariant();
        if (name.Length is 0 or > TenantRules.MaxDomainLength) return null;
        return TenantRules.DomainError(name) is null ? name : null;
    }
}
