using System.Text.Json;
using System.Text.Json.Nodes;

namespace InsightPulse.Core.Bi;

/// <summary>
/// What an external Superset stores for our charts and dashboards: a chart's <c>params</c> (form data) carry our
/// <see cref="ChartSpec"/> as <c>ipai_spec</c> (what our BI service draws from) beside Superset's own form data for
/// the same chart (viz type, metrics, group-bys, time grain, filters), so a stock Superset draws it too; a
/// dashboard's <c>json_metadata</c> carries our layout as <c>ipai_layout</c>, its <c>position_json</c> Superset's grid
/// of tabs, rows and charts.
/// </summary>
public static class SupersetFormData
{
    public const string SpecKey = "ipai_spec";
    public const string ChartKey = "ipai_key";
    public const string LayoutKey = "ipai_layout";

    private static readonly Dictionary<string, string> Grains = new(StringComparer.Ordinal)
    {
        ["day"] = "P1D", ["week"] = "P1W", ["month"] = "P1M", ["quarter"] = "P3M", ["year"] = "P1Y",
    };

    /// <summary>Superset's viz type for ours.</summary>
    public static string VizType(string viz) => viz switch
    {
        "bar" => "echarts_timeseries_bar",
        "line" => "echarts_timeseries_line",
        "area" => "echarts_area",
        "big_number" => "big_number_total",
        _ => viz, // pie, table
    };

    /// <summary>The chart's params: Superset's form data plus our spec and key.</summary>
    public static JsonObject Params(string key, ChartSpec spec, long datasetId)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var metrics = new JsonArray(spec.Metrics.Select(m => (JsonNode)(m.Column is null
            ? new JsonObject { ["expressionType"] = "SQL", ["sqlExpression"] = "COUNT(*)", ["label"] = m.Label }
            : new JsonObject
            {
                ["expressionType"] = "SIMPLE", ["column"] = new JsonObject { ["column_name"] = m.Column },
                ["aggregate"] = m.Aggregate == "count_distinct" ? "COUNT_DISTINCT" : m.Aggregate.ToUpperInvariant(), ["label"] = m.Label,
            })).ToArray());
        var filters = new JsonArray(spec.Filters.Select(f => (JsonNode)new JsonObject
        {
            ["expressionType"] = "SIMPLE", ["clause"] = "WHERE", ["subject"] = f.Column,
            ["operator"] = f.Op switch { "=" => "==", "in" => "IN", "not_in" => "NOT IN", "is_null" => "IS NULL", "is_not_null" => "IS NOT NULL", _ => f.Op },
            ["comparator"] = f.Op is "in" or "not_in" ? new JsonArray(f.Values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray()) : f.Values.Count > 0 ? JsonValue.Create(f.Values[0]) : null,
        }).ToArray());
        var form = new JsonObject
        {
            ["viz_type"] = VizType(spec.Viz),
            ["datasource"] = $"{datasetId.ToString(System.Globalization.CultureInfo.InvariantCulture)}__table",
            ["metrics"] = metrics,
            ["groupby"] = new JsonArray(spec.Groupby.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray()),
            ["adhoc_filters"] = filters,
            ["row_limit"] = spec.RowLimit,
        };
        if (spec.TimeColumn is not null)
        {
            form["x_axis"] = spec.TimeColumn;
            form["granularity_sqla"] = spec.TimeColumn;
            form["time_grain_sqla"] = Grains.GetValueOrDefault(spec.TimeGrain ?? "", "P1D");
        }
        else if (spec.Viz is "bar" or "line" or "area" && spec.Groupby.Count > 0)
        {
            form["x_axis"] = spec.Groupby[0];
        }
        if (spec.Viz == "pie" && spec.Metrics.Count > 0) form["metric"] = metrics[0]!.DeepClone();
        if (spec.Viz == "big_number" && spec.Metrics.Count > 0) form["metric"] = metrics[0]!.DeepClone();
        if (spec.Columns.Count > 0)
        {
            form["query_mode"] = "raw";
            form["all_columns"] = new JsonArray(spec.Columns.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray());
        }
        form[ChartKey] = key;
        form[SpecKey] = JsonSerializer.SerializeToNode(spec, BiJson.Options);
        return form;
    }

    /// <summary>Our spec and key from a chart's params; null when they carry none (a chart made in Superset by hand).</summary>
    public static (string Key, ChartSpec Spec)? Read(string? paramsJson)
    {
        if (string.IsNullOrWhiteSpace(paramsJson)) return null;
        try
        {
            var node = JsonNode.Parse(paramsJson) as JsonObject;
            if (node?[SpecKey] is not JsonObject spec || node[ChartKey]?.GetValue<string>() is not { } key) return null;
            return (key, spec.Deserialize<ChartSpec>(BiJson.Options)!);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new ChartSpecException($"params: {SpecKey} is not a chart spec this BI service reads ({e.Message}).");
        }
    }

    /// <summary>Superset's <c>position_json</c> for the layout: a tab per layout tab, rows of up to 12 columns, a CHART per chart.</summary>
    public static JsonObject Positions(DashboardLayout layout, IReadOnlyDictionary<string, (long Id, string Title)> charts)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(charts);
        var root = new JsonObject
        {
            ["DASHBOARD_VERSION_KEY"] = "v2",
            ["ROOT_ID"] = new JsonObject { ["type"] = "ROOT", ["id"] = "ROOT_ID", ["children"] = new JsonArray("TABS-ipai") },
        };
        var tabIds = new JsonArray();
        foreach (var tab in layout.Tabs)
        {
            var tabId = "TAB-" + tab.Key;
            tabIds.Add(tabId);
            var rows = new JsonArray();
            var row = new List<LayoutCell>();
            var rowIndex = 0;
            void Flush()
            {
                if (row.Count == 0) return;
                var rowId = $"ROW-{tab.Key}-{rowIndex++}";
                rows.Add(rowId);
                root[rowId] = new JsonObject
                {
                    ["type"] = "ROW", ["id"] = rowId, ["parents"] = new JsonArray("ROOT_ID", "TABS-ipai", tabId),
                    ["meta"] = new JsonObject { ["background"] = "BACKGROUND_TRANSPARENT" },
                    ["children"] = new JsonArray(row.Select(c => (JsonNode?)JsonValue.Create("CHART-" + c.Key)).ToArray()),
                };
                foreach (var cell in row)
                {
                    var chart = charts.GetValueOrDefault(cell.Key);
                    root["CHART-" + cell.Key] = new JsonObject
                    {
                        ["type"] = "CHART", ["id"] = "CHART-" + cell.Key, ["children"] = new JsonArray(), ["parents"] = new JsonArray("ROOT_ID", "TABS-ipai", tabId, rowId),
                        ["meta"] = new JsonObject { ["chartId"] = chart.Id, ["width"] = cell.Width, ["height"] = 50, ["sliceName"] = chart.Title ?? cell.Key },
                    };
                }
                row.Clear();
            }
            foreach (var cell in tab.Charts)
            {
                if (row.Sum(c => c.Width) + cell.Width > 12) Flush();
                row.Add(cell);
            }
            Flush();
            root[tabId] = new JsonObject
            {
                ["type"] = "TAB", ["id"] = tabId, ["children"] = rows, ["parents"] = new JsonArray("ROOT_ID", "TABS-ipai"),
                ["meta"] = new JsonObject { ["text"] = tab.Title },
            };
        }
        root["TABS-ipai"] = new JsonObject { ["type"] = "TABS", ["id"] = "TABS-ipai", ["children"] = tabIds, ["parents"] = new JsonArray("ROOT_ID") };
        return root;
    }
}
