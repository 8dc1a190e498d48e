using System.ComponentModel.DataAnnotations;

namespace InsightPulse.Web.Hosting;

/// <summary>The web runtime's settings (configuration section <c>Web</c>, e.g. <c>IPAI__Web__DbFilter</c>).</summary>
public sealed class WebOptions
{
    public const string Section = "Web";
    /// <summary>Odoo's port, on loopback (IPv4 and IPv6): <c>localhost</c> and <c>*.localhost</c> reach it.</summary>
    public const string DefaultUrls = "http://localhost:8069";

    /// <summary>
    /// <c>localhost</c> serves the platform and <c>&lt;code&gt;.localhost</c> each tenant, '_' written '-'
    /// (<see cref="Core.Tenants.TenantHosts"/>); empty turns it off.
    /// </summary>
    public string DevelopmentSuffix { get; set; } = Core.Tenants.TenantHosts.DefaultDevelopmentSuffix;

    /// <summary>Odoo's <c>--db-filter</c>: a regular expression over database names with <c>%h</c> (host) and <c>%d</c> (first label).</summary>
    public string? DbFilter { get; set; }

    /// <summary>
    /// Addresses of reverse proxies whose <c>X-Forwarded-Host</c>, <c>-Proto</c> and <c>-For</c> are believed. Empty (the
    /// default): those headers are ignored, since anyone could send them.
    /// </summary>
    public string[] TrustedProxies { get; set; } = [];

    /// <summary>What a tenant being provisioned answers in <c>Retry-After</c>.</summary>
    [Range(1, 3600)]
    public int RetryAfterSeconds { get; set; } = 10;

    /// <summary>Failed sign-ins in a row before a user is locked out.</summary>
    [Range(1, 100)]
    public int LockoutThreshold { get; set; } = 5;

    [Range(1, 24 * 60)]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>Sign-in attempts one client address may make per minute, across all users and tenants (the lockout counts per user).</summary>
    [Range(1, 10_000)]
    public int SignInAttemptsPerMinute { get; set; } = 60;

    /// <summary>Guest tokens one client address may ask for per minute (an embedding page asks for one per dashboard view and refresh).</summary>
    [Range(1, 100_000)]
    public int GuestTokensPerMinute { get; set; } = 600;

    /// <summary>Requests one client address may make per minute to the operator API and the Superset-shaped API.</summary>
    [Range(1, 1_000_000)]
    public int ApiRequestsPerMinute { get; set; } = 3_000;

    /// <summary>How long a session lasts without activity.</summary>
    [Range(5, 7 * 24 * 60)]
    public int SessionMinutes { get; set; } = 8 * 60;

    /// <summary>
    /// How often a session's user is read again from the tenant's <c>res_users</c> (still active, same password): a
    /// change made there behind the platform's back ends the session within this time. Ends made through the platform
    /// (sign-out, password set, user disabled, tenant suspended) take effect at once.
    /// </summary>
    [Range(0, 24 * 60 * 60)]
    public int SessionRecheckSeconds { get; set; } = 5 * 60;
}
