using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Tenants;

/// <summary>
/// Which tenants a listing shows, and which page of them: by state, by a module asked for beyond the base ones, by
/// the fleet server its database is on, by text (code, name, domain, company, database or schema, case-insensitive), then <see cref="Limit"/> of them from
/// <see cref="Offset"/> in registry order. The API, the console and <c>tenant list</c> share it, so that a fleet of
/// thousands of tenants is listed a page at a time.
/// </summary>
public sealed record TenantFilter(TenantState? State = null, string? Module = null, string? Text = null, int Offset = 0, int Limit = TenantFilter.DefaultLimit)
{
    /// <summary>Only tenants placed on this fleet server (<c>ipai_server</c>'s name).</summary>
    public string? Server { get; init; }

    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    /// <summary>The filter from query-string-like values; each problem names its parameter (empty when there is none).</summary>
    public static (TenantFilter? Filter, IReadOnlyList<(string Field, string Message)> Errors) Parse(string? state, string? module, string? text, string? offset, string? limit, string? server = null)
    {
        var errors = new List<(string, string)>();
        TenantState? parsedState = null;
        if (!string.IsNullOrEmpty(state))
        {
            try
            {
                parsedState = TenantLifecycle.Parse(state);
            }
            catch (ArgumentException)
            {
                errors.Add(("state", $"must be one of {string.Join(", ", Enum.GetValues<TenantState>().Select(TenantLifecycle.ToText))}."));
            }
        }
        if (!string.IsNullOrEmpty(module) && (module.Length > 63 || !module.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_')))
        {
            errors.Add(("module", "must be a module name (lower-case letters, digits and '_')."));
        }
        if (!string.IsNullOrEmpty(server) && !Databases.FleetServer.NamePattern().IsMatch(server))
        {
            errors.Add(("server", "must be a server name (lower-case letters, digits and '_', starting with a letter)."));
        }
        if (text is { Length: > 200 }) errors.Add(("q", "must be at most 200 characters."));
        else if (text is not null && TextRules.Problem(text) is { } textProblem) errors.Add(("q", textProblem));
        var parsedOffset = Number(offset, "offset", 0, int.MaxValue, 0, errors);
        var parsedLimit = Number(limit, "limit", 1, MaxLimit, DefaultLimit, errors);
        return errors.Count > 0
            ? (null, errors)
            : (new TenantFilter(parsedState, string.IsNullOrEmpty(module) ? null : module, string.IsNullOrWhiteSpace(text) ? null : text.Trim(), parsedOffset, parsedLimit)
            {
                Server = string.IsNullOrEmpty(server) ? null : server,
            }, errors);
    }

    private static int Number(string? value, string field, int min, int max, int fallback, List<(string, string)> errors)
    {
        if (string.IsNullOrEmpty(value)) return fallback;
        if (int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
        errors.Add((field, $"must be a whole number from {min} to {max}."));
        return fallback;
    }

    /// <summary>Whether <paramref name="tenant"/> (with its extra <paramref name="modules"/>) passes the filter.</summary>
    public bool Matches(Tenant tenant, IEnumerable<string> modules)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(modules);
        if (State is { } state && tenant.State != state) return false;
        if (Module is { } module && !modules.Contains(module, StringComparer.Ordinal)) return false;
        if (Server is { } server && (tenant.Server is null && tenant.State == TenantState.Draft ? null : tenant.DatabaseServer) != server) return false;
        if (Text is not { } text) return true;
        return new[] { tenant.Code, tenant.Name, tenant.PrimaryDomain, tenant.CompanyName, tenant.DbName, tenant.SupabaseSchema }
            .Any(field => field?.Contains(text, StringComparison.OrdinalIgnoreCase) == true);
    }

    /// <summary>The tenants that pass, how many there are in all, and the page of them this filter asks for.</summary>
    public TenantPage<T> Apply<T>(IEnumerable<T> items, Func<T, Tenant> tenant, Func<T, IEnumerable<string>> modules)
    {
        ArgumentNullException.ThrowIfNull(items);
        var matching = items.Where(i => Matches(tenant(i), modules(i))).ToList();
        return new TenantPage<T>(matching.Count, Offset, Limit, matching.Skip(Offset).Take(Limit).ToList());
    }
}

/// <summary>One page of a tenant listing: the total that matched, where the page starts, its size limit, and its items.</summary>
public sealed record TenantPage<T>(int Total, int Offset, int Limit, IReadOnlyList<T> Items)
{
    /// <summary>The offset of the next page, or null on the last one.</summary>
    public int? NextOffset => Offset + Items.Count < Total && Items.Count > 0 ? Offset + Items.Count : null;
}
