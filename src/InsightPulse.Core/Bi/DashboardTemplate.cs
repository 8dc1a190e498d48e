namespace InsightPulse.Core.Bi;

/// <summary>
/// A dashboard template (<c>bi/templates/*.json</c>): the datasets it reads, its tabs of charts and its native
/// filters. The provisioning step <c>bi_workspace</c> instantiates it into every workspace whose tenant has what
/// it <see cref="Requires"/>.
/// </summary>
public sealed record DashboardTemplate
{
    public string Slug { get; init; } = "";
    public string Title { get; init; } = "";
    public string? Description { get; init; }
    public TemplateRequirement Requires { get; init; } = new();
    public int RefreshSeconds { get; init; } = 300;
    public IReadOnlyList<TemplateDataset> Datasets { get; init; } = [];
    public IReadOnlyList<NativeFilter> NativeFilters { get; init; } = [];
    public IReadOnlyList<TemplateTab> Tabs { get; init; } = [];

    /// <summary>SHA-256 of the file's bytes: a workspace dashboard records the version it was made from.</summary>
    public string Checksum { get; init; } = "";

    public IEnumerable<TemplateChart> Charts => Tabs.SelectMany(t => t.Charts);
}

/// <summary>What a tenant must have for a template to apply: a module installed, or a databank.</summary>
public sealed record TemplateRequirement
{
    public string? Module { get; init; }
    public string? Databank { get; init; }
}

/// <summary>A relation of the tenant's store (<c>schema</c> or <c>database</c>) the template's charts read.</summary>
public sealed record TemplateDataset
{
    public string Name { get; init; } = "";
    public string Store { get; init; } = "";
}

public sealed record TemplateTab
{
    public string Key { get; init; } = "";
    public string Title { get; init; } = "";
    public IReadOnlyList<TemplateChart> Charts { get; init; } = [];
}

/// <summary>A chart of a template: its key, title, dataset, width in a 12-column grid, and spec.</summary>
public sealed record TemplateChart
{
    public string Key { get; init; } = "";
    public string Title { get; init; } = "";
    public string Dataset { get; init; } = "";
    public int Width { get; init; } = 6;
    public ChartSpec Spec { get; init; } = new();
}

/// <summary>
/// A dashboard's native filter (Superset's name): a <c>select</c> of values of <see cref="Column"/> (read from
/// <see cref="Dataset"/>) or a <c>time_range</c> on it; it applies to every chart whose dataset has that column.
/// </summary>
public sealed record NativeFilter
{
    public string Key { get; init; } = "";
    public string Label { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Column { get; init; } = "";
    public string Dataset { get; init; } = "";
}
