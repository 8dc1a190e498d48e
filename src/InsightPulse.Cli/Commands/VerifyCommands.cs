using System.CommandLine;
using System.Globalization;
using InsightPulse.Core.Verification;
using InsightPulse.Web;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary>
/// <c>tenant verify CODE</c> and <c>verify --all</c>: the acceptance gates (<see cref="TenantVerifier"/>, and over
/// HTTP <see cref="SiteGates"/>) against the live platform. The HTTP gates go to the running web host (<c>--url</c>, or
/// the default <c>http://localhost:8069</c> when it answers), else to one started in this process for the run.
/// </summary>
internal static class VerifyCommands
{
    public static void Add(RootCommand root, Command tenant, CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the gates as JSON (snake_case keys)." };
        var url = new Option<string?>("--url") { Description = "The web host to sign in at (default: http://localhost:8069 when it answers, else one started for this run)." };
        var inProcess = new Option<bool>("--in-process") { Description = "Start a web host in this process for the HTTP gates even when one runs (e.g. to test a build before serving it)." };
        var code = new Argument<string>("code") { Description = "Tenant code, e.g. tbwa." };

        var one = new Command("verify", "Run the onboarding checklist's acceptance gates for a tenant on the live system; exit 0 only when every gate passes.") { code, url, inProcess, json };
        one.SetAction(context.Run<TenantVerifier, SiteGates, IConfiguration>(async (verifier, gates, configuration, parse, ct) =>
            await RunAsync(context, configuration, verifier, gates, verifier.Log, [parse.GetValue(code)!], parse.GetValue(url), parse.GetValue(inProcess), parse.GetValue(json), ct)));
        tenant.Subcommands.Add(one);

        var all = new Option<bool>("--all") { Description = "Every active tenant.", Required = true };
        var fleet = new Command("verify", "Run the acceptance gates for every active tenant (`tenant verify` for one); exit 0 only when every gate of every tenant passes.") { all, url, inProcess, json };
        fleet.SetAction(context.Run<TenantVerifier, SiteGates, IConfiguration>(async (verifier, gates, configuration, parse, ct) =>
            await RunAsync(context, configuration, verifier, gates, verifier.Log, [.. await verifier.ActiveTenantsAsync(ct)], parse.GetValue(url), parse.GetValue(inProcess), parse.GetValue(json), ct)));
        root.Subcommands.Add(fleet);
    }

    private static async Task<int> RunAsync(
        CliContext context, IConfiguration configuration, TenantVerifier verifier, SiteGates gates, VerificationLog log, List<string> codes, string? url, bool inProcess, bool json, CancellationToken cancellationToken)
    {
        await using var site = await SiteAsync(configuration, url, inProcess, cancellationToken);
        var results = new List<TenantVerification>();
        foreach (var tenantCode in codes)
        {
            var result = await verifier.VerifyAsync(tenantCode, (t, ct) => gates.RunAsync(t, site.Address, ct), cancellationToken);
            await log.RecordAsync(result, site.Address.ToString(), cancellationToken);
            results.Add(result);
            if (!json) Print(context, result, site.Description);
        }
        if (json)
        {
            var rows = results.Select(r => new
            {
                r.Tenant, r.Passed, Seconds = Math.Round(r.Elapsed.TotalSeconds, 3), Site = site.Address.ToString(),
                Gates = r.Gates.Select(g => new { g.Name, g.Outcome, g.Evidence, Ms = Math.Round(g.Elapsed.TotalMilliseconds, 1) }),
            }).ToList();
            await context.Output.WriteLineAsync(codes.Count == 1 && results.Count == 1 ? CliJson.Serialize(rows[0]) : CliJson.Serialize(new { Passed = results.All(r => r.Passed), Tenants = rows }));
        }
        return results.All(r => r.Passed) ? ExitCode.Success : ExitCode.Failure;
    }

    private static void Print(CliContext context, TenantVerification result, string site)
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

    /// <summary>Where the HTTP gates go: the given or running web host, else one started here (stopped when disposed).</summary>
    private sealed class Site(Uri address, string description, WebApplication? app) : IAsyncDisposable
    {
        public Uri Address { get; } = address;
        public string Description { get; } = description;

        public async ValueTask DisposeAsync()
        {
            if (app is null) return;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    private static async Task<Site> SiteAsync(IConfiguration configuration, string? url, bool inProcess, CancellationToken cancellationToken)
    {
        if (url is not null) return new Site(new Uri(url), url, null);
        if (inProcess) return await StartAsync(configuration, cancellationToken);
        var running = new Uri(WebOptions.DefaultUrls.Replace("localhost", "127.0.0.1", StringComparison.Ordinal));
        using (var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
        {
            try
            {
                using var health = await probe.GetAsync(new Uri(running, "/healthz"), cancellationToken);
                if (health.IsSuccessStatusCode) return new Site(running, $"{WebOptions.DefaultUrls} (running)", null);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // none runs: start one below
            }
        }
        return await StartAsync(configuration, cancellationToken);
    }

    /// <summary>A web host for this run: no event dispatching, and a sign-in limit that a run over many tenants does not hit.</summary>
    private static async Task<Site> StartAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        var local = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Events:Dispatcher"] = "false",
            ["Web:SignInAttemptsPerMinute"] = "10000",
        }).Build();
        var app = InsightPulseWeb.Build(local, "http://127.0.0.1:0", quiet: true);
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Urls.First());
        return new Site(address, $"{address} (started for this run)", app);
    }
}
