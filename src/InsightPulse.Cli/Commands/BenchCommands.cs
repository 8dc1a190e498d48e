using System.CommandLine;
using System.Globalization;
using InsightPulse.Bench;
using InsightPulse.Core.ScoutData;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>bench …</c>: benchmarks timed inside this process (docs/benchmarks.md records their results).</summary>
internal static class BenchCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var bench = new Command("bench", "Benchmarks, timed inside this process; see docs/benchmarks.md.");
        bench.Subcommands.Add(ProvisionBenchCommand.Create(context));
        bench.Subcommands.Add(Rls(context));
        bench.Subcommands.Add(HttpBenchCommand.Create(context));
        bench.Subcommands.Add(Bi(context));
        bench.Subcommands.Add(Verify(context));
        bench.Subcommands.Add(Migrate(context));
        bench.Subcommands.Add(Move(context));
        bench.Subcommands.Add(Budget(context));
        bench.Subcommands.Add(Soak(context));
        root.Subcommands.Add(bench);
    }

    private static Command Rls(CliContext context)
    {
        var defaults = new RlsBenchmark.Options();
        var rows = new Option<int>("--rows") { Description = $"Rows of scout_transactions (generated when the table does not hold them; default {defaults.Rows:N0}).", DefaultValueFactory = _ => defaults.Rows };
        var tenants = new Option<int>("--tenants") { Description = $"Tenants the rows are spread over and the queries rotate across (default {defaults.Tenants}).", DefaultValueFactory = _ => defaults.Tenants };
        var rounds = new Option<int>("--rounds") { Description = $"Rounds; ratios are per round, reported as median and min–max (default {defaults.Rounds}).", DefaultValueFactory = _ => defaults.Rounds };
        var iterations = new Option<int>("--iterations") { Description = $"Queries per path, per query and round (default {defaults.Iterations}).", DefaultValueFactory = _ => defaults.Iterations };
        var warmup = new Option<int>("--warmup") { Description = $"Untimed queries per path first (default {defaults.Warmup}).", DefaultValueFactory = _ => defaults.Warmup };
        var json = new Option<bool>("--json") { Description = "Print the raw figures as JSON." };
        var command = new Command("rls",
            "Tenant-scoped queries through row-level security vs. an explicit WHERE tenant_id on an identical table without RLS, in one run: median, p95, ratio (goal ≤ 1.05).")
        {
            rows, tenants, rounds, iterations, warmup, json,
        };
        command.SetAction(context.Run<RlsBenchmark>(async (benchmark, parse, ct) =>
        {
            var options = new RlsBenchmark.Options(parse.GetValue(rows), parse.GetValue(tenants), parse.GetValue(rounds), parse.GetValue(iterations), parse.GetValue(warmup));
            var problems = new ScoutSeedOptions(options.Rows, options.Tenants).Problems().ToList();
            if (problems.Count == 0 && (options.Rounds < 1 || options.Iterations < 1 || options.Warmup < 0))
                problems.Add("--rounds and --iterations must be 1 or more, --warmup 0 or more.");
            if (await context.UsageErrorsAsync(problems)) return ExitCode.Usage;
            var asJson = parse.GetValue(json);
            var result = await benchmark.RunAsync(options,
                message => { if (!asJson) context.Error.WriteLine(message); }, ct);
            if (asJson)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(result));
                return ExitCode.Success;
            }
            static string Ms(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
            static string Ratio(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);
            var table = new Table().AddColumns("query", "RLS median (min–max) ms", "RLS p95", "explicit median (min–max) ms", "explicit p95", "ratio median (rounds min–max)", "p95 ratio");
            foreach (var q in result.Queries)
            {
                table.AddRow(new[]
                {
                    q.Name,
                    $"{Ms(q.Rls.MedianMs)} ({Ms(q.Rls.MinMs)}–{Ms(q.Rls.MaxMs)})", Ms(q.Rls.P95Ms),
                    $"{Ms(q.Explicit.MedianMs)} ({Ms(q.Explicit.MinMs)}–{Ms(q.Explicit.MaxMs)})", Ms(q.Explicit.P95Ms),
                    $"{Ratio(q.MedianRatio)} ({Ratio(q.RoundRatioMin)}–{Ratio(q.RoundRatioMax)})", Ratio(q.P95Ratio),
                }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            var worst = result.Queries.Max(q => q.MedianRatio);
            await context.Output.WriteLineAsync(
                $"{result.Rows:N0} rows, {result.Tenants} tenants, {result.Rounds}×{result.Iterations} per path and query after {result.Warmup} warm-up; " +
                $"PostgreSQL {result.ServerVersion}, {result.Processors} processor(s); {(result.Seeded ? "seeded by this run" : "existing rows reused")}. " +
                $"Worst median ratio {Ratio(worst)} (goal ≤ {Ratio(RlsBenchmarkResult.Goal)}).");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Bi(CliContext context)
    {
        var defaults = new BiBenchmark.Options();
        var rows = new Option<int>("--rows") { Description = $"Rows of scout_transactions (generated when the table does not hold them; default {defaults.Rows:N0}).", DefaultValueFactory = _ => defaults.Rows };
        var tenants = new Option<int>("--tenants") { Description = $"Tenants the rows are spread over; charts rotate across them (default {defaults.Tenants}).", DefaultValueFactory = _ => defaults.Tenants };
        var iterations = new Option<int>("--iterations") { Description = $"Timed chart requests per chart, cold and cached each (default {defaults.Iterations}).", DefaultValueFactory = _ => defaults.Iterations };
        var browserRounds = new Option<int>("--browser-rounds") { Description = "Navigations to each template's dashboard in headless Chromium, the first with the chart cache cold (default 5; 0 skips the browser).", DefaultValueFactory = _ => 5 };
        var json = new Option<bool>("--json") { Description = "Print the raw figures as JSON." };
        var command = new Command("bi",
            "Guest tokens issued and verified per second on one thread (goal ≥ 20,000), chart-data p50/p95 through the BI service as ipai_bi under RLS, cold and cached (goal cold p95 ≤ 150 ms), and navigation to each template's dashboard until every chart of its first tab is drawn in headless Chromium (goal ≤ 1.5 s).")
        {
            rows, tenants, iterations, browserRounds, json,
        };
        command.SetAction(context.Run<BiBenchmark, BiNavigationBenchmark>(async (benchmark, navigation, parse, ct) =>
        {
            var options = new BiBenchmark.Options(parse.GetValue(rows), parse.GetValue(tenants), parse.GetValue(iterations));
            var problems = new ScoutSeedOptions(options.Rows, options.Tenants).Problems().ToList();
            if (problems.Count == 0 && options.Iterations < 1) problems.Add("--iterations must be 1 or more.");
            if (await context.UsageErrorsAsync(problems)) return ExitCode.Usage;
            var asJson = parse.GetValue(json);
            var result = await benchmark.RunAsync(options, message => { if (!asJson) context.Error.WriteLine(message); }, ct);
            var rounds = parse.GetValue(browserRounds);
            var navigations = rounds > 0 ? await navigation.RunAsync(rounds, message => { if (!asJson) context.Error.WriteLine(message); }, ct) : [];
            if (asJson)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new { result.TokensPerSecond, result.Rows, result.Tenants, result.Iterations, result.Charts, Navigations = navigations, result.ServerVersion, result.Processors }));
                return ExitCode.Success;
            }
            static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
            var table = new Table().AddColumns("chart", "cold p50 ms", "cold p95 ms", "cached p50 ms", "cached p95 ms");
            foreach (var chart in result.Charts)
            {
                table.AddRow(new[] { chart.Chart, Ms(chart.ColdP50Ms), Ms(chart.ColdP95Ms), Ms(chart.CachedP50Ms), Ms(chart.CachedP95Ms) }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            if (navigations.Count > 0)
            {
                var browser = new Table().AddColumns("dashboard", "tenant", "charts (first tab)", "first ms (cache cold)", "median ms", "max ms", "navigations");
                foreach (var n in navigations)
                {
                    browser.AddRow(new[] { n.Dashboard, n.Tenant, n.Charts.ToString(CultureInfo.InvariantCulture), Ms(n.FirstMs), Ms(n.MedianMs), Ms(n.MaxMs), n.Rounds.ToString(CultureInfo.InvariantCulture) }.Select(v => new Text(v)).ToArray());
                }
                context.Console.Write(browser);
            }
            await context.Output.WriteLineAsync(
                $"Guest tokens: {result.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture)} issued and verified per second on one thread (goal ≥ {BiBenchmarkResult.TokenGoal:N0}). " +
                $"{result.Rows:N0} rows, {result.Tenants} tenants, {result.Iterations} requests per chart; PostgreSQL {result.ServerVersion}, {result.Processors} processor(s). " +
                $"Worst cold p95 {Ms(result.Charts.Max(c => c.ColdP95Ms))} ms (goal ≤ {BiBenchmarkResult.ColdP95GoalMs:0} ms).");
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Budget(CliContext context)
    {
        var defaults = new BudgetBenchmark.Options();
        var tenants = new Option<int>("--tenants") { Description = $"Tenants with databases of their own (default {defaults.Tenants:N0}).", DefaultValueFactory = _ => defaults.Tenants };
        var budget = new Option<int>("--budget") { Description = $"Connections:Budget of the web runtime under load (default {defaults.Budget}).", DefaultValueFactory = _ => defaults.Budget };
        var duration = new Option<int>("--duration") { Description = $"Seconds of load (default {defaults.DurationSeconds}).", DefaultValueFactory = _ => defaults.DurationSeconds };
        var connections = new Option<int>("--connections") { Description = $"wrk connections (default {defaults.Connections}).", DefaultValueFactory = _ => defaults.Connections };
        var keep = new Option<bool>("--keep") { Description = "Keep the bench tenants for the next run (reused when the count matches)." };
        var json = new Option<bool>("--json") { Description = "Print the raw figures as JSON." };
        var command = new Command("budget", "HTTP load round robin over N tenant databases under a connection budget: throughput, p99, errors, and the peak of server sessions against the budget.")
        {
            tenants, budget, duration, connections, keep, json,
        };
        command.SetAction(context.Run<BudgetBenchmark>(async (benchmark, parse, ct) =>
        {
            var options = new BudgetBenchmark.Options(parse.GetValue(tenants), parse.GetValue(budget), parse.GetValue(duration), parse.GetValue(connections), Keep: parse.GetValue(keep));
            if (options.Tenants is < 1 or > 9999 || options.Budget < 2 || options.DurationSeconds < 1 || options.Connections < 2)
            {
                await context.Error.WriteLineAsync("usage error: --tenants 1–9999, --budget 2 or more, --duration 1 or more, --connections 2 or more.");
                return ExitCode.Usage;
            }
            var asJson = parse.GetValue(json);
            var result = await benchmark.RunAsync(options, message => { if (!asJson) context.Error.WriteLine(message); }, ct);
            if (asJson) await context.Output.WriteLineAsync(CliJson.Serialize(result));
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Requests:N0} requests over {result.Tenants:N0} tenant databases in {result.Seconds:0.0} s: {result.RequestsPerSecond:N0} req/s, p50 {result.P50Ms:0.00} ms, " +
                    $"p99 {result.P99Ms:0.00} ms, {result.Errors} error(s); runtime sessions at most {result.PeakSessions} (budget {result.Budget}), mean {result.MeanSessions:0.0}, " +
                    $"{result.Samples:N0} samples; PostgreSQL {result.ServerVersion}, {result.Processors} processor(s)."));
            }
            // The budget's own count must hold; pg_stat_activity's peak is reported beside it (a backend may be seen exiting).
            return result.Errors == 0 && (result.HomeBudget?.Peak ?? 0) <= result.Budget ? ExitCode.Success : ExitCode.Failure;
        }));
        return command;
    }

    private static Command Soak(CliContext context)
    {
        var minutes = new Option<double>("--minutes") { Description = "Minutes of measured load after the warm-up (default 10).", DefaultValueFactory = _ => 10 };
        var warmup = new Option<int>("--warmup") { Description = "Seconds of load before the first reading (default 60).", DefaultValueFactory = _ => 60 };
        var tenants = new Option<int>("--tenants") { Description = "Full tenants under load (default 4).", DefaultValueFactory = _ => 4 };
        var workers = new Option<int>("--workers") { Description = "Concurrent clients (default 8).", DefaultValueFactory = _ => 8 };
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON." };
        var command = new Command("soak",
            "One `ipai serve` under mixed load (finance reads and writes, dashboards and chart data through guest tokens) across tenants while tenants are created, " +
            "provisioned and deleted: requests by outcome, cross-tenant answers (goal 0), the node's memory and the server's connections at the start and the end.")
        {
            minutes, warmup, tenants, workers, json,
        };
        command.SetAction(context.Run<SoakBenchmark>(async (benchmark, parse, ct) =>
        {
            var options = new SoakBenchmark.Options(TimeSpan.FromMinutes(parse.GetValue(minutes)), TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(warmup))),
                parse.GetValue(tenants), parse.GetValue(workers), typeof(BenchCommands).Assembly.Location);
            if (await context.UsageErrorsAsync(options.Problems())) return ExitCode.Usage;
            var asJson = parse.GetValue(json);
            var result = await benchmark.RunAsync(options, message => context.Error.WriteLine(message), ct);
            if (asJson) await context.Output.WriteLineAsync(CliJson.Serialize(result));
            else
            {
                static string MiB(long bytes) => (bytes / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture);
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{result.Requests.Values.Sum():N0} requests in {result.DurationSeconds / 60:0.#} min after {result.WarmupSeconds:0} s of warm-up " +
                    $"({string.Join(", ", result.Requests.Select(r => $"{r.Key}: {r.Value:N0}"))}); {result.ChurnCycles} churn cycle(s); " +
                    $"{result.ServerErrors} server error(s), {result.CrossTenantResponses} cross-tenant answer(s) (answers with their own tenant's rows: {string.Join(", ", result.AnswersWithOwnRows.Select(r => $"{r.Key} {r.Value:N0}"))}); node memory {MiB(result.ResidentBytesStart)} → " +
                    $"{MiB(result.ResidentBytesEnd)} MiB (max {MiB(result.ResidentBytesMax)}); server connections {result.ConnectionsStart} → {result.ConnectionsEnd} (max {result.ConnectionsMax}); " +
                    $"{result.Processors} processor(s)."));
                foreach (var failure in result.Failures) await context.Error.WriteLineAsync($"  {failure}");
            }
            return result.ServerErrors == 0 && result.CrossTenantResponses == 0 ? ExitCode.Success : ExitCode.Failure;
        }));
        return command;
    }

    private static Command Move(CliContext context)
    {
        var defaults = new MoveBenchmark.Options();
        var rows = new Option<int>("--rows") { Description = $"Rows in the tenant's database (default {defaults.Rows:N0}).", DefaultValueFactory = _ => defaults.Rows };
        var json = new Option<bool>("--json") { Description = "Print the raw figures as JSON." };
        var command = new Command("move", "`tenant move` of a tenant with N rows from home to a throwaway second server: total time and unavailability window.") { rows, json };
        command.SetAction(context.Run<MoveBenchmark>(async (benchmark, parse, ct) =>
        {
            if (parse.GetValue(rows) is < 1 or > 100_000_000)
            {
                await context.Error.WriteLineAsync("usage error: --rows must be between 1 and 100,000,000.");
                return ExitCode.Usage;
            }
            var asJson = parse.GetValue(json);
            var result = await benchmark.RunAsync(new MoveBenchmark.Options(parse.GetValue(rows)), message => { if (!asJson) context.Error.WriteLine(message); }, ct);
            if (asJson) await context.Output.WriteLineAsync(CliJson.Serialize(result));
            else
            {
                await context.Output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"moved {result.RowsVerified:N0} rows in {result.Tables} tables ({result.DatabaseBytes / (1024.0 * 1024.0):0} MB): {result.MoveSeconds:0.00} s in all, " +
                    $"unavailable {result.UnavailableSeconds:0.00} s ({result.RowsPerSecond:N0} rows/s); PostgreSQL {result.ServerVersion}, {result.Processors} processor(s)."));
            }
            return ExitCode.Success;
        }));
        return command;
    }

    private static Command Migrate(CliContext context)
    {
        var defaults = new MigrateBenchmark.Options();
        var tenants = new Option<int>("--tenants") { Description = $"Bench tenants besides the seed's (default {defaults.Tenants:N0}).", DefaultValueFactory = _ => defaults.Tenants };
        var parallel = new Option<int>("--parallel") { Description = $"Tenants migrated at once (default {defaults.Parallel}).", DefaultValueFactory = _ => defaults.Parallel };
        var full = new Option<bool>("--full") { Description = "Also time `migrate --all --full` (a provisioning run for every tenant)." };
        var keep = new Option<bool>("--keep") { Description = "Keep the bench tenants for the next run (which reuses them when the count matches)." };
        var newScript = new Option<bool>("--new-script") { Description = "Also time the pass of a build with one new script in the finance module (an AddField), --parallel 1 and N." };
        var json = new Option<bool>("--json") { Description = "Print the raw figures as JSON." };
        var command = new Command("migrate", $"`migrate --all` over the seed tenants and N bench tenants with nothing to apply, timed (goal: 1,000 tenants in at most {MigrateBenchmark.NoOpGoalSeconds:0} s).")
        {
            tenants, parallel, full, keep, newScript, json,
        };
        command.SetAction(context.Run<MigrateBenchmark>(async (benchmark, parse, ct) =>
        {
            var options = new MigrateBenchmark.Options(parse.GetValue(tenants), parse.GetValue(parallel), parse.GetValue(full), parse.GetValue(keep), parse.GetValue(newScript));
            if (options.Tenants is < 1 or > 9999 || options.Parallel < 1)
            {
                await context.Error.WriteLineAsync("usage error: --tenants must be between 1 and 9999, --parallel 1 or more.");
                return ExitCode.Usage;
            }
            var asJson = parse.GetValue(json);
            var result = await benchmark.RunAsync(options, message => { if (!asJson) context.Error.WriteLine(message); }, ct);
            if (asJson)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(result));
            }
            else
            {
                var table = new Table().AddColumns("pass", "tenants", "current (no run)", "ran", "failed", "seconds");
                foreach (var pass in result.Passes)
                {
                    table.AddRow(new[] { pass.Name, pass.Tenants.ToString(CultureInfo.InvariantCulture), pass.Current.ToString(CultureInfo.InvariantCulture),
                        pass.Ran.ToString(CultureInfo.InvariantCulture), pass.Failed.ToString(CultureInfo.InvariantCulture), pass.Seconds.ToString("0.000", CultureInfo.InvariantCulture) }.Select(v => new Text(v)).ToArray());
                }
                context.Console.Write(table);
                await context.Output.WriteLineAsync($"PostgreSQL {result.ServerVersion}, {result.Processors} processor(s). Goal: nothing to apply over 1,000 tenants in at most {MigrateBenchmark.NoOpGoalSeconds:0} s.");
            }
            return result.Passes.All(p => p.Failed == 0) ? ExitCode.Success : ExitCode.Failure;
        }));
        return command;
    }

    private static Command Verify(CliContext context)
    {
        var defaults = new VerifyBenchmark.Options();
        var tenants = new Option<int>("--tenants") { Description = $"Bench tenants besides the seed's (default {defaults.Tenants:N0}).", DefaultValueFactory = _ => defaults.Tenants };
        var parallel = new Option<int>("--parallel") { Description = "Tenants verified at once (default: verify --all's).", DefaultValueFactory = _ => 0 };
        var keep = new Option<bool>("--keep") { Description = "Keep the bench tenants for the next run (which reuses them when the count matches)." };
        var json = new Option<bool>("--json") { Description = "Print the raw figures as JSON." };
        var command = new Command("verify", "`verify --all` over the seed tenants and N bench tenants, every gate, timed (goal: 1,000 tenants in under a minute).")
        {
            tenants, parallel, keep, json,
        };
        command.SetAction(context.Run<VerifyBenchmark>(async (benchmark, parse, ct) =>
        {
            var options = new VerifyBenchmark.Options(parse.GetValue(tenants), parse.GetValue(parallel), parse.GetValue(keep));
            if (options.Tenants is < 1 or > 9999 || options.Parallel < 0)
            {
                await context.Error.WriteLineAsync("usage error: --tenants must be between 1 and 9999, --parallel 0 (default) or more.");
                return ExitCode.Usage;
            }
            var asJson = parse.GetValue(json);
            var result = await benchmark.RunAsync(options, message => { if (!asJson) context.Error.WriteLine(message); }, ct);
            if (asJson)
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(result));
                return result.Failed == 0 ? ExitCode.Success : ExitCode.Failure;
            }
            static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
            var table = new Table().AddColumns("gate", "p50 ms", "p95 ms", "max ms", "skipped");
            foreach (var gate in result.Gates)
            {
                table.AddRow(new[] { gate.Gate, Ms(gate.P50Ms), Ms(gate.P95Ms), Ms(gate.MaxMs), gate.Skipped.ToString(CultureInfo.InvariantCulture) }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            foreach (var evidence in result.FailedEvidence) await context.Error.WriteLineAsync($"FAILED {evidence}");
            await context.Output.WriteLineAsync(
                $"{result.Tenants:N0} tenants verified in {result.Seconds.ToString("0.0", CultureInfo.InvariantCulture)} s ({result.TenantsPerSecond.ToString("0.0", CultureInfo.InvariantCulture)}/s, {result.Parallel} at once; " +
                $"per tenant p50 {Ms(result.TenantP50Ms)} ms, p95 {Ms(result.TenantP95Ms)} ms); {result.Failed} failed; PostgreSQL {result.ServerVersion}, {result.Processors} processor(s). Goal: 1,000 in under 60 s.");
            return result.Failed == 0 ? ExitCode.Success : ExitCode.Failure;
        }));
        return command;
    }
}
