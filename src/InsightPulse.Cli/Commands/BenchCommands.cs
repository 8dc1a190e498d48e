using System.CommandLine;

namespace InsightPulse.Cli.Commands;

/// <summary><c>bench …</c>: benchmarks whose results go to docs/benchmarks.md.</summary>
internal static class BenchCommands
{
    public static void Add(RootCommand root, IServiceProvider services, CliContext context)
    {
        var bench = new Command("bench", "Benchmarks (results and the commands that reproduce them: docs/benchmarks.md).");
        bench.Subcommands.Add(ProvisionBenchCommand.Create(services, context));
        root.Subcommands.Add(bench);
    }
}
