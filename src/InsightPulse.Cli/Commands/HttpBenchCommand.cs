using System.CommandLine;
using System.Globalization;
using InsightPulse.Bench;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>bench http</c>: see <see cref="HttpBenchmark"/>.</summary>
internal static class HttpBenchCommand
{
    public static Command Create(CliContext context)
    {
        var defaults = new HttpBenchmark.Options();
        var tenants = new Option<int>("--tenants") { Description = $"Bench tenants the tenant and shared paths rotate over (default {defaults.Tenants}).", DefaultValueFactory = _ => defaults.Tenants };
        var duration = new Option<int>("--duration") { Description = $"Seconds of each timed wrk run (default {defaults.DurationSeconds}).", DefaultValueFactory = _ => defaults.DurationSeconds };
        var connections = new Option<int>("--connections") { Description = $"wrk connections (default {defaults.Connections}).", DefaultValueFactory = _ => defaults.Connections };
        var threads = new Option<int>("--threads") { Description = $"wrk threads (default {defaults.Threads}).", DefaultValueFactory = _ => defaults.Threads };
        var rounds = new Option<int>("--rounds") { Description = $"Rounds; each runs the three paths back to back, the order rotating (default {defaults.Rounds}).", DefaultValueFactory = _ => defaults.Rounds };
        var warmup = new Option<int>("--warmup") { Description = $"Untimed seconds of each path first (default {defaults.WarmupSeconds}).", DefaultValueFactory = _ => defaults.WarmupSeconds };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command("http",
            "wrk against a tenant-scoped endpoint across many tenant hosts vs. the same tenants' rows in one schema without RLS (WHERE tenant_id) and vs. one fixed schema, in one run: req/s, p50, p99, ratios (goals ≥ 0.90 and ≤ 1.2 against the shared schema).")
        {
            tenants, duration, connections, threads, rounds, warmup, json,
        };
        command.SetAction(context.Run<HttpBenchmark>(async (benchmark, parse, ct) =>
        {
            var options = defaults with
            {
                Tenants = parse.GetValue(tenants), DurationSeconds = parse.GetValue(duration), Connections = parse.GetValue(connections),
                Threads = parse.GetValue(threads), Rounds = parse.GetValue(rounds), WarmupSeconds = parse.GetValue(warmup),
            };
            if (await context.UsageErrorsAsync(options.Problems())) return ExitCode.Usage;
            var asJson = parse.GetValue(json);
            var result = await benchmark.RunAsync(options, message => context.Error.WriteLine(message), ct);
            if (asJson)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new
                {
                    result.StartedAt, result.Processors, result.ServerVersion, result.Tenants, result.Projects, result.DurationSeconds, result.WarmupSeconds,
                    result.Rounds, result.Connections, result.Threads, result.ResponseBodyBytes, result.DroppedBefore,
                    result.Tenant, result.Shared, result.Fixed, result.Throughput, result.ThroughputGoalMet, result.P99, result.P99GoalMet,
                    result.FixedThroughput, result.FixedP99, result.Runs,
                }));
                return ExitCode.Success;
            }
            var table = new Table().AddColumns("path", "req/s median (min–max)", "p50 ms median (min–max)", "p99 ms median (min–max)", "p99 ms in the host", "requests");
            foreach (var path in new[] { result.Tenant, result.Shared, result.Fixed })
            {
                table.AddRow(new[]
                {
                    path.Path, Spread(path.RequestsPerSecond, "0"), Spread(path.P50Ms, "0.00"), Spread(path.P99Ms, "0.00"), Spread(path.HostP99Ms, "0.00"),
                    path.Requests.ToString("N0", CultureInfo.InvariantCulture),
                }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            await context.Output.WriteLineAsync(
                $"tenant / shared (the baseline), per round: throughput {Spread(result.Throughput.PerRound, "0.000")} (goal ≥ {HttpBenchmarkResult.ThroughputGoal:0.00}: {(result.ThroughputGoalMet ? "met" : "missed")}); " +
                $"p99 {Spread(result.P99.PerRound, "0.000")} (goal ≤ {HttpBenchmarkResult.P99Goal:0.0}: {(result.P99GoalMet ? "met" : "missed")}).");
            await context.Output.WriteLineAsync(
                $"tenant / fixed (one tenant's rows over and over: the working set as much as tenancy), per round: throughput {Spread(result.FixedThroughput.PerRound, "0.000")}; p99 {Spread(result.FixedP99.PerRound, "0.000")}.");
            await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{result.Tenants} tenants × {result.Projects} projects, {result.ResponseBodyBytes:N0}-byte JSON; wrk -t{result.Threads} -c{result.Connections}, {result.Rounds} round(s) × {result.DurationSeconds} s per path after {result.WarmupSeconds} s warm-up; PostgreSQL {result.ServerVersion}, {result.Processors} processor(s), wrk, web host and PostgreSQL on this machine; bench tenants dropped at the end."));
            return ExitCode.Success;
        }));
        return command;
    }

    private static string Spread(InsightPulse.Bench.HttpBenchmarkResult.Spread spread, string format) =>
        $"{spread.Median.ToString(format, CultureInfo.InvariantCulture)} ({spread.Min.ToString(format, CultureInfo.InvariantCulture)}–{spread.Max.ToString(format, CultureInfo.InvariantCulture)})";
}
