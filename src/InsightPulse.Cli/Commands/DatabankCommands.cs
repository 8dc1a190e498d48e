using System.CommandLine;
using InsightPulse.Core.ScoutData;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>databank seed scout</c>: generated data for a tenant's databank.</summary>
internal static class DatabankCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var name = new Argument<string>("databank") { Description = "Databank to fill; `scout` has a generator." };
        var rows = new Option<int>("--rows") { Description = "Transactions to generate, over all tenants (default 100000).", DefaultValueFactory = _ => 100_000 };
        var tenants = new Option<int>("--tenants") { Description = "Retail clients retail_001 … retail_T (default 10).", DefaultValueFactory = _ => 10 };
        var seed = new Option<long>("--seed") { Description = $"Random seed: the same --rows, --tenants and --seed give identical rows (default {ScoutSeedOptions.DefaultSeed}).", DefaultValueFactory = _ => ScoutSeedOptions.DefaultSeed };
        var checksum = new Option<bool>("--checksum") { Description = "Also print a checksum of the generated rows (independent of ids and order)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var seedCommand = new Command("seed",
            "Generate deterministic Philippine retail transactions into scout.scout_transactions: ./ipai databank seed scout --rows N --tenants T [--seed S]. " +
            "Re-running replaces the rows of tenants retail_001 … retail_T (one transaction); other tenants are untouched; registered tenant codes are refused.")
        {
            name, rows, tenants, seed, checksum, json,
        };
        seedCommand.SetAction(context.Run<ScoutSeeder>(async (seeder, parse, ct) =>
        {
            if (parse.GetValue(name) != ScoutSeeder.ScoutTenant)
            {
                await context.Error.WriteLineAsync($"usage error: only the `{ScoutSeeder.ScoutTenant}` databank has a generator.");
                return ExitCode.Usage;
            }
            var options = new ScoutSeedOptions(parse.GetValue(rows), parse.GetValue(tenants), parse.GetValue(seed));
            if (await context.UsageErrorsAsync(options.Problems())) return ExitCode.Usage;
            var asJson = parse.GetValue(json);
            ScoutSeedResult result = null!;
            if (context.Terminal && !asJson)
            {
                await context.Console.Progress().StartAsync(async progress =>
                {
                    var bar = progress.AddTask($"generating {options.Rows:N0} rows for {options.Tenants} tenant(s)", maxValue: options.Rows);
                    result = await seeder.SeedAsync(options, done => bar.Value = done, ct);
                });
            }
            else
            {
                if (!asJson) await context.Error.WriteLineAsync($"Generating {options.Rows:N0} rows for {options.Tenants} tenant(s) (seed {options.Seed})…");
                result = await seeder.SeedAsync(options, null, ct);
            }
            var sum = parse.GetValue(checksum) ? await seeder.ChecksumAsync(result.Tenants, ct) : null;
            if (asJson)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new
                {
                    Databank = ScoutSeeder.ScoutTenant, Table = $"{result.Schema}.scout_transactions", options.Rows, options.Tenants, options.Seed,
                    FirstTenant = result.Tenants[0], LastTenant = result.Tenants[^1], result.RowsWritten, result.RowsReplaced,
                    Seconds = Math.Round(result.Elapsed.TotalSeconds, 3), Checksum = sum,
                }));
            }
            else
            {
                await context.Output.WriteLineAsync(
                    $"{result.RowsWritten:N0} rows written to {result.Schema}.scout_transactions for {result.Tenants[0]} … {result.Tenants[^1]}" +
                    $"{(result.RowsReplaced > 0 ? $", replacing {result.RowsReplaced:N0} of an earlier run" : "")} ({PlatformCommands.Seconds(result.Elapsed)}).");
                if (sum is not null) await context.Output.WriteLineAsync($"checksum {sum}");
            }
            return ExitCode.Success;
        }));

        var databank = new Command("databank", "Tenant data packs (databanks/<tenant>/).");
        databank.Subcommands.Add(seedCommand);
        root.Subcommands.Add(databank);
    }
}
