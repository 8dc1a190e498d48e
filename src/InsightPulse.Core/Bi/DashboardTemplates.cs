using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace InsightPulse.Core.Bi;

/// <summary>
/// The dashboard templates this build carries (<c>bi/templates/*.json</c>, embedded in the assembly), read and
/// checked once: a template whose structure is wrong fails every provisioning run with its file name and the
/// problem, rather than half a dashboard. Whether its charts fit the datasets' columns is checked against the live
/// catalogue when it is instantiated (<see cref="BiWorkspaceInstaller"/>).
/// </summary>
public sealed partial class DashboardTemplates
{
    private const string Prefix = "bi/templates/";

    public DashboardTemplates() : this(Load()) { }

    public DashboardTemplates(IReadOnlyList<DashboardTemplate> all) => All = all;

    public IReadOnlyList<DashboardTemplate> All { get; }

    /// <summary>Reads one template file's bytes; throws <see cref="ChartSpecException"/> naming the file when it is wrong.</summary>
    public static DashboardTemplate Parse(string file, byte[] bytes)
    {
        DashboardTemplate? template;
        try
        {
            template = JsonSerializer.Deserialize<DashboardTemplate>(bytes, BiJson.Options);
        }
        catch (JsonException e)
        {
            throw new ChartSpecException($"Dashboard template {file}: {e.Message}");
        }
        if (template is null) throw new ChartSpecException($"Dashboard template {file} is empty.");
        template = template with { Checksum = Convert.ToHexStringLower(SHA256.HashData(bytes)) };
        if (Problems(template) is { Count: > 0 } problems) throw new ChartSpecException($"Dashboard template {file}: {string.Join(" ", problems)}");
        return template;
    }

    /// <summary>Structural problems: names, keys, references between charts, datasets and filters.</summary>
    public static IReadOnlyList<string> Problems(DashboardTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var problems = new List<string>();
        if (!Slug().IsMatch(template.Slug)) problems.Add($"slug '{template.Slug}' must be lower-case letters, digits and '-'.");
        if (string.IsNullOrWhiteSpace(template.Title)) problems.Add("a title is required.");
        if ((template.Requires.Module is null) == (template.Requires.Databank is null)) problems.Add("requires names a module or a databank (one of them).");
        if (template.RefreshSeconds is < 10 or > 86400) problems.Add("refresh_seconds must be between 10 and 86400.");
        var datasets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dataset in template.Datasets)
        {
            if (!Postgres.Sql.IsPlainIdentifier(dataset.Name)) problems.Add($"dataset '{dataset.Name}' is not a relation name.");
            if (dataset.Store is not ("schema" or "database")) problems.Add($"dataset '{dataset.Name}': store is 'schema' or 'database'.");
            if (!datasets.Add(dataset.Name)) problems.Add($"dataset '{dataset.Name}' is listed twice.");
        }
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var tabs = new HashSet<string>(StringComparer.Ordinal);
        if (template.Tabs.Count == 0) problems.Add("a dashboard has at least one tab.");
        foreach (var tab in template.Tabs)
        {
            if (!Key().IsMatch(tab.Key) || !tabs.Add(tab.Key)) problems.Add($"tab key '{tab.Key}' is not a unique lower-case key.");
            if (string.IsNullOrWhiteSpace(tab.Title)) problems.Add($"tab '{tab.Key}' needs a title.");
            foreach (var chart in tab.Charts)
            {
                if (!Key().IsMatch(chart.Key) || !keys.Add(chart.Key)) problems.Add($"chart key '{chart.Key}' is not a unique lower-case key.");
                if (string.IsNullOrWhiteSpace(chart.Title)) problems.Add($"chart '{chart.Key}' needs a title.");
                if (!datasets.Contains(chart.Dataset)) problems.Add($"chart '{chart.Key}' reads '{chart.Dataset}', which is not among the template's datasets.");
                if (chart.Width is < 1 or > 12) problems.Add($"chart '{chart.Key}': width is 1 to 12 columns.");
            }
        }
        var filters = new HashSet<string>(StringComparer.Ordinal);
        foreach (var filter in template.NativeFilters)
        {
            if (!Key().IsMatch(filter.Key) || !filters.Add(filter.Key)) problems.Add($"native filter key '{filter.Key}' is not a unique lower-case key.");
            if (filter.Kind is not ("select" or "time_range")) problems.Add($"native filter '{filter.Key}': kind is 'select' or 'time_range'.");
            if (!datasets.Contains(filter.Dataset)) problems.Add($"native filter '{filter.Key}' reads '{filter.Dataset}', which is not among the template's datasets.");
            if (string.IsNullOrWhiteSpace(filter.Label)) problems.Add($"native filter '{filter.Key}' needs a label.");
        }
        return problems;
    }

    private static List<DashboardTemplate> Load()
    {
        var assembly = typeof(DashboardTemplates).Assembly;
        var templates = new List<DashboardTemplate>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            templates.Add(Parse(name, buffer.ToArray()));
        }
        var duplicate = templates.GroupBy(t => t.Slug).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ChartSpecException($"Two dashboard templates have the slug '{duplicate.Key}'.");
        return templates;
    }

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Slug();

    [GeneratedRegex(@"\A[a-z][a-z0-9_]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex Key();
}
