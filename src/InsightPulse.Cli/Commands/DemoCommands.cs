using System.CommandLine;
using InsightPulse.Core.Demo;
using InsightPulse.Core.Provisioning;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>demo load|remove|status</c>: a tenant's demo data (what <c>up</c> loads once per tenant).</summary>
internal static class DemoCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var demo = new Command("demo", "Demo data: a deterministic data set per tenant (finance for ipai_finance_ppm, Scout transactions for the Scout tenant) that `up` loads once.");
        root.Subcommands.Add(demo);
        var code = CliArguments.TenantCode();
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (snake_case keys)." };

        var load = new Command("load", "Load a tenant's demo data (nothing changes when it is loaded already); after `demo remove`, loads it again.") { code, json };
        load.SetAction(context.Run<DemoData>((service, parse, ct) => RunAsync(context, "load", parse.GetValue(json), c => service.LoadAsync(parse.GetValue(code)!, c), ct)));
        demo.Subcommands.Add(load);

        var remove = new Command("remove", "Delete a tenant's demo rows (never its own rows); `up` will not load demo data into it again.") { code, json };
        remove.SetAction(context.Run<DemoData>((service, parse, ct) => RunAsync(context, "remove", parse.GetValue(json), c => service.RemoveAsync(parse.GetValue(code)!, c), ct)));
        demo.Subcommands.Add(remove);

        var status = new Command("status", "Show every tenant's demo data: what it would get, loaded or removed, when, generator version.") { json };
        status.SetAction(context.Run<DemoData>(async (service, parse, ct) =>
        {
            var tenants = await service.StatusAsync(ct);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(tenants.Select(s => new
                {
                    s.Tenant, s.TenantState, s.Content, s.State, s.LoadedAt, s.GeneratorVersion, s.AsOf, s.Summary, s.RemovedAt, s.DueAtUp,
                })));
                return ExitCode.Success;
            }
            var table = new Table().AddColumns("tenant", "tenant state", "content", "demo data", "loaded (UTC)", "as of", "generator", "rows");
            foreach (var s in tenants)
            {
                table.AddRow(new[]
                {
                    s.Tenant, s.TenantState.ToString().ToLowerInvariant(), s.Content.Count == 0 ? "-" : string.Join(", ", s.Content), Describe(s),
                    s.LoadedAt is { } at ? $"{at.ToUniversalTime():yyyy-MM-dd HH:mm}" : "-", s.AsOf is { } asOf ? $"{asOf:yyyy-MM-dd}" : "-",
                    s.GeneratorVersion ?? "-", s.Summary ?? "-",
                }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            return ExitCode.Success;
        }));
        demo.Subcommands.Add(status);
    }

    private static string Describe(DemoStatus s) => s.State switch
    {
        DemoState.NothingToLoad => "none for its modules",
        DemoState.NotLoaded => s.DueAtUp ? "not loaded (`up` loads it)" : "not loaded (tenant not active)",
        DemoState.Loaded => "loaded",
        DemoState.Removed => $"removed {s.RemovedAt?.ToUniversalTime():yyyy-MM-dd HH:mm} UTC",
        _ => s.State.ToString(),
    };

    /// <summary>One line per action, as <c>up</c> prints its steps (<c>+</c> acted, <c>=</c> found it done), or the result as JSON.</summary>
    private static async Task<int> RunAsync(CliContext context, string action, bool json, Func<CancellationToken, Task<DemoResult>> work, CancellationToken cancellationToken)
    {
        var result = await work(cancellationToken);
        if (json)
        {
            await context.Output.WriteLineAsync(CliJson.Serialize(new
            {
                result.Tenant, Action = action, result.Acted, result.Detail,
                Rows = new
                {
                    result.Counts.Agencies, result.Counts.Projects, result.Counts.ExpenseReports, result.Counts.ExpenseLines,
                    result.Counts.ScoutTransactions, result.Counts.RetailTenants, result.Counts.RetailTransactions,
                },
                Seconds = Math.Round(result.Elapsed.TotalSeconds, 3),
            }));
        }
        else
        {
            await context.Error.WriteLineAsync(PlatformCommands.FormatStep(new StepResult($"demo {result.Tenant}", result.Acted, result.Detail, result.Elapsed)));
        }
        return ExitCode.Success;
    }
}
