namespace InsightPulse.Core.Bi;

/// <summary>A dashboard's layout (<c>ipai_bi_workspace_dashboard.layout</c>): its tabs of chart cells and its native filters.</summary>
public sealed record DashboardLayout
{
    public IReadOnlyList<LayoutTab> Tabs { get; init; } = [];
    public IReadOnlyList<NativeFilter> NativeFilters { get; init; } = [];

    public static DashboardLayout Of(DashboardTemplate template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return new DashboardLayout
        {
            Tabs = template.Tabs.Select(t => new LayoutTab { Key = t.Key, Title = t.Title, Charts = t.Charts.Select(c => new LayoutCell { Key = c.Key, Width = c.Width }).ToList() }).ToList(),
            NativeFilters = template.NativeFilters,
        };
    }
}

public sealed record LayoutTab
{
    public string Key { get; init; } = "";
    public string Title { get; init; } = "";
    public IReadOnlyList<LayoutCell> Charts { get; init; } = [];
}

/// <summary>A chart's place on a tab: its key and width in a 12-column grid.</summary>
public sealed record LayoutCell
{
    public string Key { get; init; } = "";
    public int Width { get; init; } = 6;
}
