using System.Text.RegularExpressions;

namespace InsightPulse.Core.Tenants;

/// <summary>
/// How hosts map to tenants (see <see cref="TenantHostResolver"/>): the development suffix (<c>localhost</c>; empty
/// turns it off) and an optional Odoo-style <c>--db-filter</c> with <c>%h</c> and <c>%d</c>.
/// </summary>
public sealed record TenantHostOptions(string DevelopmentSuffix = TenantHosts.DefaultDevelopmentSuffix, string? DbFilter = null)
{
    /// <summary>Problems with these options, e.g. a db-filter that is not a regular expression; empty when fine.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (DevelopmentSuffix.Length > 0 && TenantRules.DomainError(DevelopmentSuffix) is not null)
        {
            problems.Add($"The development suffix '{Postgres.Sql.Printable(DevelopmentSuffix)}' is not a lower-case host name (e.g. localhost).");
        }
        if (DbFilter is { Length: > 0 })
        {
            try
            {
                _ = new Regex(DbFilter.Replace("%h", "h", StringComparison.Ordinal).Replace("%d", "d", StringComparison.Ordinal), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException e)
            {
                problems.Add($"The db-filter '{Postgres.Sql.Printable(DbFilter)}' is not a regular expression: {e.Message}");
            }
        }
        return problems;
    }
}
