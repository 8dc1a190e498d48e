using System.CommandLine;
using System.Globalization;
using InsightPulse.Bench;
using InsightPulse.Core.Provisioning;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>bench provision</c>: see <see cref="ProvisioningBenchmark"/>.</summary>
internal static class ProvisionBenchCommand
{
    public static Command Create(CliContext context)
    {
        var tenants = new Option<int>("--tenants") { Description = "Tenants of each kind to time (default 50).", DefaultValueFactory = _ => 50 };
        var settle = new Option<int>("--settle-seconds") { Description = "Wait after dropping an earlier run's tenants, before timing (default 60).", DefaultValueFactory = _ => 60 };
        var keep = new Option<bool>("--keep") { Description = "Keep this run's tenants (they are dropped by the next run)." };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command("provision", "Time provisioning of fresh tenants: full and schema tenants, with and without the template path; p50/p95 per step and in total.")
        {
            tenants, settle, keep, json,
        };
        command.SetAction(context.Run<ProvisioningBenchmark>(async (benchmark, parse, ct) =>
        {
            if (parse.GetValue(tenants) < 1 || parse.GetValue(settle) < 0)
            {
                await context.Error.WriteLineAsync("usage error: --tenants must be 1 or more and --settle-seconds 0 or more.");
                return ExitCode.Usage;
            }
            var result = await benchmark.RunAsync(parse.GetValue(tenants),
                TimeSpan.FromSeconds(parse.GetValue(settle)), parse.GetValue(keep), message => context.Error.WriteLine(message), ct);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new
                {
                    result.Tenants, result.DroppedBefore, result.SettledSeconds, result.ServerVersion, result.TemplateRatio,
                    Processors = Environment.ProcessorCount,
                    result.Variants,
                }));
                return ExitCode.Success;
            }
            var table = new Table().AddColumns("kind", "tenants", "total p50", "total p95", "min", "max", "first tenant", "first/last tenth p50", "slowest step (p50)");
            foreach (var v in result.Variants)
            {
                var slowest = v.Steps.MaxBy(s => s.Value.P50);
                table.AddRow(new[]
                {
                    v.Variant, v.Tenants.ToString(CultureInfo.InvariantCulture), Ms(v.Total.P50), Ms(v.Total.P95), Ms(v.Total.Min), Ms(v.Total.Max),
                    Ms(v.FirstTenant), $"{Ms(v.FirstTenthP50)} / {Ms(v.LastTenthP50)}", $"{slowest.Key} {Ms(slowest.Value.P50)}",
                }.Select(t => new Text(t)).ToArray());
            }
            context.Console.Write(table);
            var steps = new Table().AddColumn("step (p50 / p95)");
            foreach (var v in result.Variants) steps.AddColumn(v.Variant);
            foreach (var step in TenantProvisioner.StepNames)
            {
                steps.AddRow(result.Variants.Select(v => $"{Ms(v.Steps[step].P50)} / {Ms(v.Steps[step].P95)}").Prepend(step).Select(t => new Text(t)).ToArray());
            }
            context.Console.Write(steps);
            var settled = result.DroppedBefore > 0
                ? FormattableString.Invariant($"; dropped {result.DroppedBefore} earlier tenant(s) and waited {result.SettledSeconds:0} s first.")
                : ".";
            await context.Output.WriteLineAsync(FormattableString.Invariant(
                $"PostgreSQL {result.ServerVersion}, {Environment.ProcessorCount} processor(s); full tenants, template over migrations (p50): {result.TemplateRatio:0.00}{settled}"));
            return ExitCode.Success;
        }));
        return command;
    }

    private static string Ms(double seconds) => (seconds * 1000).ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
