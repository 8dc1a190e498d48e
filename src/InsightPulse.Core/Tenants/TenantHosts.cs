namespace InsightPulse.Core.Tenants;

/// <summary>
/// The host names a tenant is served at: its <c>primary_domain</c>, and its development host under the development
/// suffix (<see cref="TenantHostOptions.DevelopmentSuffix"/>, <c>localhost</c> by default). The one rule for the
/// development host, used wherever one is made or resolved: the platform tenant is the suffix itself
/// (<c>localhost</c>); any other tenant is its code with '_' written '-' (<c>afc_client</c> →
/// <c>afc-client.localhost</c>), since a host label cannot hold '_'. The mapping is one-to-one: a code holds
/// lower-case letters, digits and '_' only (<see cref="TenantRules.CodeError"/>), never '-', so '-' → '_' gives the
/// code back and no two codes share a host.
/// </summary>
public static class TenantHosts
{
    public const string DefaultDevelopmentSuffix = "localhost";

    /// <summary>
    /// The development host of the tenant with <paramref name="code"/>, or null when the suffix is empty (turned off) or
    /// the code makes no host label (one ending in '_': <c>abc_</c> → <c>abc-</c>; such a tenant needs a primary domain).
    /// </summary>
    public static string? DevelopmentHost(string code, string suffix)
    {
        ArgumentNullException.ThrowIfNull(code);
        ArgumentNullException.ThrowIfNull(suffix);
        if (suffix.Length == 0) return null;
        if (code == Tenant.PlatformCode) return suffix;
        var host = $"{code.Replace('_', '-')}.{suffix}";
        return TenantRules.DomainError(host) is null ? host : null;
    }

    /// <summary>
    /// The code whose development host is <paramref name="host"/> (already normalised: lower case, no port), or null when
    /// it is no development host under <paramref name="suffix"/>. <c>localhost</c> is the platform's.
    /// </summary>
    public static string? CodeOfDevelopmentHost(string host, string suffix)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(suffix);
        if (suffix.Length == 0) return null;
        if (host == suffix) return Tenant.PlatformCode;
        if (!host.EndsWith("." + suffix, StringComparison.Ordinal)) return null;
        var label = host[..^(suffix.Length + 1)];
        if (label.Contains('_', StringComparison.Ordinal)) return null; // not a host label: only the '-' spelling is the tenant's host
        var code = label.Replace('-', '_');
        return TenantRules.CodeError(code) is null ? code : null;
    }

    /// <summary>Every host of <paramref name="tenant"/>: its primary domain first, then its development host (each once).</summary>
    public static IReadOnlyList<string> Of(Tenant tenant, string suffix)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var hosts = new List<string>();
        if (tenant.PrimaryDomain is { } domain) hosts.Add(domain);
        if (DevelopmentHost(tenant.Code, suffix) is { } development && !hosts.Contains(development)) hosts.Add(development);
        return hosts;
    }
}
