using System.CommandLine;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Tenants;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>bi refresh|datasets</c>: a tenant's BI datasets after its schema changed, and what its charts make of them.</summary>
internal static class BiCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var bi = new Command("bi", "The BI service: a tenant's datasets (tables and views of its stores), their columns and the charts drawn from them.");
        root.Subcommands.Add(bi);
        var code = CliArguments.TenantCode();
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (snake_case keys)." };

        var refresh = new Command("refresh",
            "Read every dataset's columns again from the tenant's stores: a chart that names a column that is gone is marked broken, " +
            "and healed when the column is back. Nothing changes when all is current.") { code, json };
        refresh.SetAction(context.Run<DatasetRefresh, TenantRegistry>(async (service, registry, parse, ct) =>
        {
            var tenant = await registry.GetAsync(parse.GetValue(code)!, ct);
            var result = await service.RefreshAsync(tenant.Code, ct);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new
                {
                    Code = result.TenantCode, result.Changed, result.Skipped, result.ChangedDatasets, result.BrokenCharts, result.HealedCharts,
                    result.StillBroken, result.MissingRelations, result.Summary,
                }));
                return ExitCode.Success;
            }
            await context.Output.WriteLineAsync(result.Summary);
            foreach (var dataset in result.ChangedDatasets) await context.Output.WriteLineAsync($"  ~ dataset {dataset}");
            foreach (var name in result.MissingRelations) await context.Output.WriteLineAsync($"  ! dataset {name}: its table or view does not exist (last known columns kept)");
            foreach (var chart in result.BrokenCharts) await context.Output.WriteLineAsync($"  ! broken {chart.Dashboard}/{chart.Key}: {chart.Reason}");
            foreach (var chart in result.HealedCharts) await context.Output.WriteLineAsync($"  + healed {chart.Dashboard}/{chart.Key}");
            foreach (var chart in result.StillBroken) await context.Output.WriteLineAsync($"  = broken {chart.Dashboard}/{chart.Key}: {chart.Reason}");
            return ExitCode.Success;
        }));
        bi.Subcommands.Add(refresh);

        var datasets = new Command("datasets", "List a tenant's datasets: store, relation, columns with their types, and the charts drawn from each (with why a chart is broken).") { code, json };
        datasets.SetAction(context.Run<BiMetadata, TenantRegistry>(async (metadata, registry, parse, ct) =>
        {
            var tenant = await registry.GetAsync(parse.GetValue(code)!, ct);
            var charts = (await metadata.WorkspaceChartsAsync(tenant.Code, ct)).ToLookup(c => c.Chart.DatasetId);
            var list = (await metadata.DatasetsAsync(tenant.Code, ct)).Select(d => new
            {
                d.Name, d.Store, d.Relation,
                Schema = BiWorkspaceInstaller.StoreSchema(tenant, d.Store),
                Database = d.Store == "database" ? tenant.DbName : null,
                Columns = d.Columns.Select(c => new { c.Name, c.Type }),
                Charts = charts[d.Id].Select(c => new { c.Chart.Id, c.Chart.Key, Dashboard = c.DashboardSlug, c.Chart.SliceName, c.Chart.VizType, c.Chart.BrokenReason }),
            }).ToList();
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(list));
                return ExitCode.Success;
            }
            if (list.Count == 0)
            {
                await context.Output.WriteLineAsync($"{tenant.Code}: no datasets (no dashboard template applies, or the tenant is not provisioned).");
                return ExitCode.Success;
            }
            var table = new Table().AddColumns("dataset", "store", "relation", "columns", "charts");
            foreach (var d in list)
            {
                table.AddRow(new[]
                {
                    d.Name, d.Store, $"{d.Schema}.{d.Relation}",
                    string.Join('\n', d.Columns.Select(c => $"{c.Name} {c.Type}")),
                    d.Charts.Any() ? string.Join('\n', d.Charts.Select(c => $"{c.Dashboard}/{c.Key}{(c.BrokenReason is null ? "" : $" BROKEN: {c.BrokenReason}")}")) : "-",
                }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            return ExitCode.Success;
        }));
        bi.Subcommands.Add(datasets);
    }
}
