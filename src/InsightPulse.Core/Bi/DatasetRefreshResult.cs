namespace InsightPulse.Core.Bi;

/// <summary>
/// What <see cref="DatasetRefresh.RefreshAsync"/> did for one tenant: the datasets whose columns it rewrote, the charts
/// it marked broken or healed (changes only; a chart broken before and still broken for the same reason is in
/// <see cref="StillBroken"/>), and the datasets whose relation is missing. <see cref="Skipped"/> says why there was
/// nothing to refresh (no workspace, archived, store gone); then every list is empty.
/// </summary>
public sealed record DatasetRefreshResult(
    string TenantCode,
    IReadOnlyList<DatasetColumnsChange> ChangedDatasets,
    IReadOnlyList<ChartHealth> BrokenCharts,
    IReadOnlyList<ChartHealth> HealedCharts,
    IReadOnlyList<ChartHealth> StillBroken,
    IReadOnlyList<string> MissingRelations,
    string? Skipped = null)
{
    /// <summary>Nothing to refresh for <paramref name="tenantCode"/>, and why.</summary>
    public static DatasetRefreshResult Nothing(string tenantCode, string why) => new(tenantCode, [], [], [], [], [], why);

    /// <summary>Something was written: columns, a broken reason set, changed or cleared.</summary>
    public bool Changed => ChangedDatasets.Count + BrokenCharts.Count + HealedCharts.Count > 0;

    /// <summary>One line for logs and the CLI, e.g. <c>tbwa: 1 dataset(s) changed (ppm_expense_report +note), 2 chart(s) broken, 0 healed</c>.</summary>
    public string Summary
    {
        get
        {
            if (Skipped is not null) return $"{TenantCode}: nothing to refresh ({Skipped})";
            var parts = new List<string>
            {
                Changed
                    ? $"{ChangedDatasets.Count} dataset(s) changed{(ChangedDatasets.Count == 0 ? "" : $" ({string.Join("; ", ChangedDatasets)})")}, {BrokenCharts.Count} chart(s) broken, {HealedCharts.Count} healed"
                    : "nothing changed",
            };
            if (StillBroken.Count > 0) parts.Add($"{StillBroken.Count} chart(s) still broken");
            if (MissingRelations.Count > 0) parts.Add($"missing: {string.Join(", ", MissingRelations)}");
            return $"{TenantCode}: {string.Join("; ", parts)}";
        }
    }

    public override string ToString() => Summary;
}

/// <summary>A dataset whose columns changed: those added, removed, and those whose type changed (with the new type).</summary>
public sealed record DatasetColumnsChange(string Dataset, IReadOnlyList<DatasetColumn> Added, IReadOnlyList<DatasetColumn> Removed, IReadOnlyList<DatasetColumn> Retyped)
{
    /// <summary>The change between two column lists of one dataset.</summary>
    public static DatasetColumnsChange Between(string dataset, IReadOnlyList<DatasetColumn> before, IReadOnlyList<DatasetColumn> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var old = before.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var now = after.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return new DatasetColumnsChange(dataset,
            [.. after.Where(c => !old.ContainsKey(c.Name))],
            [.. before.Where(c => !now.Contains(c.Name))],
            [.. after.Where(c => old.TryGetValue(c.Name, out var was) && was.Type != c.Type)]);
    }

    /// <summary>e.g. <c>ppm_expense_report +note -period ~amount numeric</c> (<c>reordered</c> when only the order changed).</summary>
    public override string ToString()
    {
        var changes = Added.Select(c => "+" + c.Name).Concat(Removed.Select(c => "-" + c.Name)).Concat(Retyped.Select(c => $"~{c.Name} {c.Type}")).ToList();
        return $"{Dataset} {(changes.Count == 0 ? "reordered" : string.Join(' ', changes))}";
    }
}

/// <summary>A chart as refresh found it: its key, its dashboard's slug, its dataset, and why it is broken (null: healed).</summary>
public sealed record ChartHealth(string Key, string Dashboard, string Dataset, string? Reason);
