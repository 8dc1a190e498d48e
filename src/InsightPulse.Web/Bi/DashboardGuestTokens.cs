using System.Collections.Concurrent;
using System.Globalization;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Bi.Superset;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Bi;

/// <summary>
/// Guest tokens for the tenant's own Dashboards pages, fetched server-side as the seed's
/// <c>ipai_bi_superset_embed</c> does: per user and dashboard, cached for 240 s (tokens live 300 s, so a cached one
/// always has a minute left), with the registry's row restriction, and every access written to the tenant's audit.
/// </summary>
public sealed class DashboardGuestTokens(GuestTokens tokens, DashboardRegistry registry, SupersetSessions sessions, TimeProvider clock)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(240);

    /// <summary>Past this many cached tokens the expired ones are dropped (one per user and dashboard seen in 4 minutes).</summary>
    private const int MaxCached = 10_000;

    private readonly ConcurrentDictionary<(string Tenant, long User, long Dashboard, string Rls), (string Token, DateTimeOffset Until)> _cache = new();

    /// <summary>A token for <paramref name="dashboard"/> shown to the signed-in user, and the audit row of this access.</summary>
    public async Task<string> ForAsync(Tenant tenant, RegisteredDashboard dashboard, long userId, string login, string name, System.Net.IPAddress? client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(dashboard);
        if (dashboard.EmbeddedUuid is not { } embedded) throw new ChartSpecException($"Dashboard '{dashboard.Name}' has no embedded uuid: provision the tenant again.");
        var clause = RlsFor(tenant, dashboard, userId, login);
        var key = (tenant.Code, userId, dashboard.Id, clause ?? "");
        var now = clock.GetUtcNow();
        if (!_cache.TryGetValue(key, out var cached) || cached.Until <= now)
        {
            var user = new GuestTokenUser(login, name);
            var token = tenant.SupersetBaseUrl is { } external
                ? await RemoteAsync(external, user, embedded, clause, cancellationToken)
                : tokens.Issue(user, [GuestTokenResource.Dashboard(embedded.ToString())], clause is null ? [] : [new GuestTokenRlsRule(clause)]);
            cached = (token, now + CacheFor);
            _cache[key] = cached;
            if (_cache.Count > MaxCached) Prune(now);
        }
        var applied = clause is null ? $"tenant_id = '{tenant.Code}' (row-level security)" : $"tenant_id = '{tenant.Code}' (row-level security) AND {clause}";
        await registry.RecordAccessAsync(tenant, dashboard.Id, userId, applied, client, cancellationToken);
        return cached.Token;
    }

    /// <summary>
    /// A token from the tenant's external Superset (its session: login, CSRF token; one re-login after 401/403), for the
    /// remote embedded uuid, with the same row restriction.
    /// </summary>
    private async Task<string> RemoteAsync(string baseUrl, GuestTokenUser user, Guid embedded, string? clause, CancellationToken cancellationToken)
    {
        var answer = await sessions.For(baseUrl).PostAsync("api/v1/security/guest_token/", new
        {
            user = new { username = user.Username, first_name = user.FirstName, last_name = user.LastName },
            resources = new[] { new { type = GuestTokenResource.DashboardType, id = embedded.ToString() } },
            rls = clause is null ? Array.Empty<object>() : [new { clause }],
        }, cancellationToken);
        return answer.TryGetProperty("token", out var token) && token.ValueKind == System.Text.Json.JsonValueKind.String ? token.GetString()!
            : throw new SupersetException(SupersetCheck.ApiVersion, $"The Superset at {baseUrl} answered POST /api/v1/security/guest_token/ without a token.",
                "Use Superset 3.1 or later with EMBEDDED_SUPERSET on, and give the account can_grant_guest_token.");
    }

    /// <summary>
    /// The registry's custom clause with its placeholders replaced by literals of the user's values (quoted as SQL
    /// literals, and the result still goes through the clause grammar when a chart runs, so a login cannot change
    /// the clause's shape). Company = tenant here: <c>${company_id}</c> is the tenant's code, and restricting rows to
    /// it is what PostgreSQL's row-level security already does for every query, so <c>rls_by_company</c> adds nothing.
    /// </summary>
    internal static string? RlsFor(Tenant tenant, RegisteredDashboard dashboard, long userId, string login)
    {
        if (string.IsNullOrWhiteSpace(dashboard.RlsCustomClause)) return null;
        return dashboard.RlsCustomClause
            .Replace("${company_id}", Sql.Literal(tenant.Code), StringComparison.Ordinal)
            .Replace("${user_id}", userId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("${user_login}", Sql.Literal(login), StringComparison.Ordinal);
    }

    private void Prune(DateTimeOffset now)
    {
        foreach (var (key, value) in _cache)
        {
            if (value.Until <= now) _cache.TryRemove(key, out _);
        }
    }
}
