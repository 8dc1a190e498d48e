using System.Text.Json;
using System.Text.Json.Nodes;

namespace InsightPulse.Core.Bi;

/// <summary>
/// What an external Superset stores for our charts and dashboards, in Superset's own documents: a chart's
/// <c>params</c> (form data, free JSON) carry our <see cref="ChartSpec"/> as <c>ipai_spec</c> (what our BI service
/// draws from) beside Superset's own form data for the same chart (viz type, metrics, group-bys, time grain, filters),
/// so a stock Superset draws it too; a dashboard's layout is Superset's <c>position_json</c> (a tab per layout tab,
/// rows of charts with their widths; component ids <c>TAB-&lt;key&gt;</c>, <c>CHART-&lt;key&gt;</c>) and its native
/// filters are <c>json_metadata.native_filter_configuration</c> (Superset validates <c>json_metadata</c> against a
/// fixed schema: a key of our own there would be refused). <see cref="Layout"/> reads our layout back from both.
/// </summary>
public static class SupersetFormData
{
    public const string SpecKey = "ipai_spec";
    public const string ChartKey = "ipai_key";
    private const string FilterPrefix = "NATIVE_FILTER-";

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
        catch (JsonException e)
        {
            throw new ChartSpecException($"params: {SpecKey} is not a chart spec this BI service reads: {Errors.JsonErrors.Describe(e).Text}");
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new ChartSpecException($"params: {ChartKey} is text and {SpecKey} a chart spec object; this BI service cannot read them as given.");
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

    /// <summary>Superset's <c>native_filter_configuration</c> for our filters (their dataset: the remote dataset's id).</summary>
    public static JsonArray NativeFilters(IEnumerable<NativeFilter> filters) =>
        new(filters.Select(f => (JsonNode)new JsonObject
        {
            ["id"] = FilterPrefix + f.Key,
            ["name"] = f.Label,
            ["type"] = "NATIVE_FILTER",
            ["filterType"] = f.Kind == "select" ? "filter_select" : "filter_time",
            ["targets"] = new JsonArray(new JsonObject
            {
                ["datasetId"] = long.TryParse(f.Dataset, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) ? id : null,
                ["column"] = new JsonObject { ["name"] = f.Column },
            }),
            ["controlValues"] = new JsonObject { ["multiSelect"] = true, ["enableEmptyFilter"] = false },
            ["defaultDataMask"] = new JsonObject { ["extraFormData"] = new JsonObject(), ["filterState"] = new JsonObject() },
            ["cascadeParentIds"] = new JsonArray(),
            ["scope"] = new JsonObject { ["rootPath"] = new JsonArray("ROOT_ID"), ["excluded"] = new JsonArray() },
        }).ToArray());

    /// <summary>
    /// Our layout from Superset's documents: tabs and chart cells from <paramref name="positions"/> (a chart's key is
    /// <paramref name="keyOfChart"/> of its <c>chartId</c>, else its component id), native filters (select, time range)
    /// from <paramref name="nativeFilters"/>, each naming its dataset by the id in its first target.
    /// </summary>
    public static DashboardLayout Layout(JsonObject? positions, JsonArray? nativeFilters, string title, Func<long, string?> keyOfChart)
    {
        ArgumentNullException.ThrowIfNull(keyOfChart);
        var tabs = new List<LayoutTab>();
        if (positions is not null && positions["ROOT_ID"]?["children"] is JsonArray top)
        {
            var roots = top.Select(c => c?.GetValue<string>()).OfType<string>().ToList();
            var tabIds = roots.Count == 1 && positions[roots[0]]?["type"]?.GetValue<string>() == "TABS"
                ? (positions[roots[0]]!["children"] as JsonArray ?? []).Select(c => c?.GetValue<string>()).OfType<string>().ToList()
                : null;
            if (tabIds is null)
            {
                tabs.Add(new LayoutTab { Key = "main", Title = title, Charts = Cells(positions, roots, keyOfChart) });
            }
            else
            {
                foreach (var tabId in tabIds)
                {
                    var tab = positions[tabId];
                    var children = (tab?["children"] as JsonArray ?? []).Select(c => c?.GetValue<string>()).OfType<string>().ToList();
                    tabs.Add(new LayoutTab { Key = Key(tabId, "TAB-"), Title = tab?["meta"]?["text"]?.GetValue<string>() ?? tabId, Charts = Cells(positions, children, keyOfChart) });
                }
            }
        }
        var filters = new List<NativeFilter>();
        foreach (var filter in nativeFilters?.OfType<JsonObject>() ?? [])
        {
            var kind = filter["filterType"]?.GetValue<string>() switch { "filter_select" => "select", "filter_time" => "time_range", _ => null };
            var target = (filter["targets"] as JsonArray)?.FirstOrDefault() as JsonObject;
            if (kind is null || target?["column"]?["name"]?.GetValue<string>() is not { } column || target["datasetId"] is not JsonValue dataset) continue;
            filters.Add(new NativeFilter
            {
                Key = Key(filter["id"]?.GetValue<string>() ?? column, FilterPrefix), Label = filter["name"]?.GetValue<string>() ?? column,
                Kind = kind, Column = column, Dataset = dataset.ToJsonString(),
            });
        }
        return new DashboardLayout { Tabs = tabs, NativeFilters = filters };
    }

    /// <summary>The CHART components under <paramref name="ids"/> (rows and columns walked in order), as cells.</summary>
    private static List<LayoutCell> Cells(JsonObject positions, IEnumerable<string> ids, Func<long, string?> keyOfChart)
    {
        var cells = new List<LayoutCell>();
        foreach (var id in ids)
        {
            if (positions[id] is not JsonObject component) continue;
            if (component["type"]?.GetValue<string>() == "CHART")
            {
                var meta = component["meta"];
                var chartKey = meta?["chartId"] is JsonValue chartId && chartId.TryGetValue<long>(out var n) ? keyOfChart(n) : null;
                var width = meta?["width"] is JsonValue w && w.TryGetValue<int>(out var cols) ? Math.Clamp(cols, 1, 12) : 6;
                cells.Add(new LayoutCell { Key = chartKey ?? Key(id, "CHART-"), Width = width });
            }
            else
            {
                cells.AddRange(Cells(positions, (component["children"] as JsonArray ?? []).Select(c => c?.GetValue<string>()).OfType<string>(), keyOfChart));
            }
        }
        return cells;
    }

    /// <summary>A key of ours from a component id: its prefix dropped, lower case, anything but letters, digits and '_' as '_'.</summary>
    private static string Key(string id, string prefix)
    {
        var key = new string((id.StartsWith(prefix, StringComparison.Ordinal) ? id[prefix.Length..] : id).ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray());
        return key.Length == 0 || !char.IsAsciiLetterLower(key[0]) ? "k" + key : key;
    }
}
