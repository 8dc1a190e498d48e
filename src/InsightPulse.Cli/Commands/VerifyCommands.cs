using System.CommandLine;
using System.Globalization;
using InsightPulse.Core.Verification;
using InsightPulse.Web;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Verification;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary>
/// <c>tenant verify CODE</c> and <c>verify --all</c>: the acceptance gates (<see cref="TenantVerifier"/>, and over
/// HTTP <see cref="SiteGates"/>) against the live platform, at a <see cref="VerificationSite"/>. <c>tenant provision</c>
/// ends with the same run (<see cref="RunAsync"/>) unless told <c>--no-verify</c>.
/// </summary>
internal static class VerifyCommands
{
    /// <summary>
    /// Tenants one run verifies at the running web host at most; past that, a host is started for the run. Each
    /// tenant signs in twice (its one-time user, its BI service account), and the running host allows
    /// <see cref="WebOptions.SignInAttemptsPerMinute"/> sign-ins a minute per client address.
    /// </summary>
    public static int RunningHostTenants => new WebOptions().SignInAttemptsPerMinute / 2 - 5;

    public static void Add(RootCommand root, Command tenant, CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the gates as JSON (snake_case keys)." };
        var url = new Option<string?>("--url") { Description = "The web host to sign in at (default: http://localhost:8069 when it answers, else one started for this run)." };
        var inProcess = new Option<bool>("--in-process") { Description = "Start a web host in this process for the HTTP gates even when one runs (e.g. to test a build before serving it)." };
        var parallel = new Option<int>("--parallel") { Description = $"Tenants verified at once (default {FleetVerifier.DefaultParallel}).", DefaultValueFactory = _ => FleetVerifier.DefaultParallel };
        var code = CliArguments.TenantCode();

        var one = new Command("verify", "Run the onboarding checklist's acceptance gates for a tenant on the live system; exit 0 only when every gate passes.") { code, url, inProcess, json };
        one.SetAction(context.Run<FleetVerifier, IConfiguration>(async (verifier, configuration, parse, ct) =>
            await RunAsync(context, configuration, verifier, [parse.GetValue(code)!], new Settings(parse.GetValue(url), parse.GetValue(inProcess), 1, parse.GetValue(json)), ct)));
        tenant.Subcommands.Add(one);

        var all = new Option<bool>("--all") { Description = "Every active tenant.", Required = true };
        var fleet = new Command("verify", "Run the acceptance gates for every active tenant (`tenant verify` for one); exit 0 only when every gate of every tenant passes.")
        {
            all, url, inProcess, parallel, json,
        };
        fleet.SetAction(context.Run<FleetVerifier, TenantVerifier, IConfiguration>(async (verifier, tenants, configuration, parse, ct) =>
        {
            if (parse.GetValue(parallel) < 1)
            {
                await context.Error.WriteLineAsync("usage error: --parallel must be 1 or more.");
                return ExitCode.Usage;
            }
            return await RunAsync(context, configuration, verifier, [.. await tenants.ActiveTenantsAsync(ct)],
                new Settings(parse.GetValue(url), parse.GetValue(inProcess), parse.GetValue(parallel), parse.GetValue(json)), ct);
        }));
        root.Subcommands.Add(fleet);
    }

    /// <summary>How a run is made: where (<c>--url</c>, <c>--in-process</c>), how many tenants at once, and how it is printed.</summary>
    public sealed record Settings(string? Url, bool InProcess, int Parallel, bool Json);

    /// <summary>A run's JSON for one tenant (<c>tenant verify --json</c>, and each element of <c>verify --all --json</c>'s tenants).</summary>
    public static object ToJson(TenantVerification result, Uri site) => new
    {
        result.Tenant, result.Passed, Seconds = Math.Round(result.Elapsed.TotalSeconds, 3), Site = site.ToString(),
        Gates = result.Gates.Select(g => new { g.Name, g.Outcome, g.Evidence, Ms = Math.Round(g.Elapsed.TotalMilliseconds, 1) }),
    };

    /// <summary>Opens the site, verifies <paramref name="codes"/>, prints them (unless JSON is printed by the caller) and returns the results.</summary>
    public static async Task<(IReadOnlyList<TenantVerification> Results, Uri Site)> VerifyAsync(
        CliContext context, IConfiguration configuration, FleetVerifier verifier, IReadOnlyList<string> codes, Settings settings, CancellationToken cancellationToken)
    {
        var inProcess = settings.InProcess || (settings.Url is null && codes.Count > RunningHostTenants);
        await using var site = await VerificationSite.OpenAsync(configuration, settings.Url, inProcess, cancellationToken);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var verified = 0;
        var results = await verifier.VerifyAsync(codes, site.Address, settings.Parallel, result =>
        {
            var count = Interlocked.Increment(ref verified);
            if (!settings.Json && codes.Count > 1 && (count % 100 == 0 || !result.Passed))
            {
                context.Error.WriteLine($"  {count} of {codes.Count} verified{(result.Passed ? "" : $"; {result.Tenant} FAILED")}");
            }
        }, cancellationToken);
        if (!settings.Json) Print(context, results, site.Description, clock.Elapsed);
        return (results, site.Address);
    }

    private static async Task<int> RunAsync(
        CliContext context, IConfiguration configuration, FleetVerifier verifier, IReadOnlyList<string> codes, Settings settings, CancellationToken cancellationToken)
    {
        var (results, site) = await VerifyAsync(context, configuration, verifier, codes, settings, cancellationToken);
        if (settings.Json)
        {
            await context.Output.WriteLineAsync(codes.Count == 1 && results.Count == 1
                ? CliJson.Serialize(ToJson(results[0], site))
                : CliJson.Serialize(new { Passed = results.All(r => r.Passed), Tenants = results.Select(r => ToJson(r, site)) }));
        }
        return results.All(r => r.Passed) ? ExitCode.Success : ExitCode.Failure;
    }

    /// <summary>One tenant: its gates as a table. Several: a line per tenant, and the gates of each tenant that failed.</summary>
    private static void Print(CliContext context, IReadOnlyList<TenantVerification> results, string site, TimeSpan elapsed)
    {
        if (results.Count == 1)
        {
            PrintGates(context, results[0], site);
            return;
        }
        var table = new Table().AddColumns("tenant", "result", "failed gates", "s");
        foreach (var result in results)
        {
            table.AddRow(new Text(result.Tenant), new Markup(result.Passed ? "[green]passed[/]" : "[red]FAILED[/]"),
                new Text(string.Join(", ", result.Gates.Where(g => g.Fails).Select(g => g.Name))), new Text(result.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)));
        }
        context.Console.Write(table);
        foreach (var failed in results.Where(r => !r.Passed)) PrintGates(context, failed, site);
        var passed = results.Count(r => r.Passed);
        context.Console.WriteLine($"{passed} of {results.Count} tenant(s) passed every gate in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s (web host {site}).");
    }

    private static void PrintGates(CliContext context, TenantVerification result, string site)
    {
        var table = new Table().AddColumns("gate", "result", "evidence", "ms");
        foreach (var gate in result.Gates)
        {
            var outcome = gate.Outcome switch { VerificationGate.Passed => "[green]passed[/]", VerificationGate.Failed => "[red]FAILED[/]", _ => "[grey]skipped[/]" };
            table.AddRow(new Text(gate.Name), new Markup(outcome), new Text(gate.Evidence), new Text(gate.Elapsed.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)));
        }
        context.Console.Write(new Rule($"{result.Tenant}: {(result.Passed ? "every gate passed" : "FAILED")} ({result.Elapsed.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture)} s, web host {site})").LeftJustified());
        context.Console.Write(table);
    }
}
