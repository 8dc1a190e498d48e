using System.CommandLine;
using System.Diagnostics;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Verification;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>tenant provision</c>, <c>tenant install</c>, <c>module list</c>: the provisioning engine.</summary>
internal static class ProvisionCommands
{
    /// <summary>The JSON shape of a run: one element per step.</summary>
    private sealed record RunJson(Guid RunId, string Tenant, bool Changed, IReadOnlyList<StepJson> Steps, object? Verification);

    private sealed record StepJson(string Step, bool Acted, string Detail, double Seconds);

    public static void Add(RootCommand root, Command tenant, CliContext context)
    {
        var code = CliArguments.TenantCode();
        var json = new Option<bool>("--json") { Description = "Print the run as JSON." };
        var adopt = new Option<bool>("--adopt") { Description = "Take over a tenant database that exists but was not created by provisioning." };
        var noWait = new Option<bool>("--no-wait") { Description = "Fail at once when another run is provisioning this tenant, instead of waiting for it." };
        var noTemplate = new Option<bool>("--no-template") { Description = "Create the tenant database from template0 and run every migration, instead of copying the module set's template database." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Do not run the acceptance gates (`tenant verify`) once the tenant is active." };
        var url = new Option<string?>("--url") { Description = "The web host the gates sign in at (as `tenant verify --url`)." };
        var inProcess = new Option<bool>("--in-process") { Description = "Start a web host in this process for the gates (as `tenant verify --in-process`)." };
        var allDrafts = new Option<bool>("--all-drafts") { Description = "Every draft tenant (and any a killed run left provisioning), instead of one code." };
        var draftsParallel = new Option<int>("--parallel") { Description = "With --all-drafts: tenants provisioned (and verified) at once (default 2).", DefaultValueFactory = _ => 2 };
        var optionalCode = CliArguments.TenantCode(description: "Tenant code, e.g. tbwa (or --all-drafts).", arity: ArgumentArity.ZeroOrOne);
        var provision = new Command("provision", "Provision a tenant: schema and databank, database, modules, admin user, BI workspace, then Active; then verify it (`tenant verify`). Safe to run again. --all-drafts onboards every draft, --parallel N at once.")
        {
            optionalCode, allDrafts, draftsParallel, json, adopt, noWait, noTemplate, noVerify, url, inProcess,
        };
        provision.SetAction(context.Run<TenantProvisioner, FleetMigrator, FleetVerifier, IConfiguration>(async (provisioner, fleet, verifier, configuration, parse, ct) =>
        {
            var tenantCode = parse.GetValue(optionalCode);
            if ((tenantCode is null) == !parse.GetValue(allDrafts) || parse.GetValue(draftsParallel) < 1)
            {
                await context.Error.WriteLineAsync("usage error: give one tenant code or --all-drafts (not both), and --parallel of 1 or more.");
                return ExitCode.Usage;
            }
            if (tenantCode is null)
            {
                return await ProvisionDraftsAsync(context, configuration, fleet, verifier, parse.GetValue(draftsParallel),
                    parse.GetValue(noVerify) ? null : new VerifyCommands.Settings(parse.GetValue(url), parse.GetValue(inProcess), parse.GetValue(draftsParallel), parse.GetValue(json)),
                    parse.GetValue(json), ct);
            }
            var asJson = parse.GetValue(json);
            var run = await context.AuditedAsync(AuditActions.TenantProvisioned, tenantCode, () => ProvisionAsync(provisioner, context, tenantCode,
                new TenantProvisioner.Options(parse.GetValue(adopt), !parse.GetValue(noWait), !parse.GetValue(noTemplate)), asJson, ct), r => r.AuditDetail());
            if (parse.GetValue(noVerify))
            {
                if (asJson) await context.Output.WriteLineAsync(CliJson.Serialize(ToJson(run, null)));
                return ExitCode.Success;
            }
            var (results, site) = await VerifyCommands.VerifyAsync(context, configuration, verifier, [tenantCode], new VerifyCommands.Settings(parse.GetValue(url), parse.GetValue(inProcess), 1, asJson), ct);
            if (asJson) await context.Output.WriteLineAsync(CliJson.Serialize(ToJson(run, VerifyCommands.ToJson(results[0], site))));
            if (results[0].Passed) return ExitCode.Success;
            await context.Error.WriteLineAsync(
                $"Tenant {tenantCode} is active, but gate(s) {string.Join(", ", results[0].Gates.Where(g => g.Fails).Select(g => g.Name))} failed (evidence above); `./ipai tenant verify {tenantCode}` runs them again.");
            return ExitCode.Failure;
        }));
        tenant.Subcommands.Add(provision);

        var repair = new Command("repair", "Repair an active tenant: apply every script of its database and schema again (tenant context, databank, modules), " +
            "which restores a disabled or unforced row-level security, a dropped policy or a tenant-context function changed by hand; then the isolation gate. " +
            "Any provisioning run (and `up`) does this for the stores the lint finds wrong.") { code, json, noWait };
        repair.SetAction(context.Run<TenantProvisioner>(async (provisioner, parse, ct) =>
        {
            var asJson = parse.GetValue(json);
            var run = await context.AuditedAsync(AuditActions.TenantRepaired, parse.GetValue(code),
                () => ProvisionAsync(provisioner, context, parse.GetValue(code)!, new TenantProvisioner.Options(Wait: !parse.GetValue(noWait), Repair: true), asJson, ct), r => r.AuditDetail());
            if (asJson) await context.Output.WriteLineAsync(CliJson.Serialize(ToJson(run, null)));
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(repair);

        var moduleName = new Argument<string>("module") { Description = "Module name, e.g. ipai_finance_ppm." };
        var install = new Command("install", "Add a module to a tenant and install it (with its dependencies).") { code, moduleName, json };
        install.SetAction(context.Run<ModuleCatalog, TenantModules, TenantProvisioner>(async (catalog, tenantModules, provisioner, parse, ct) =>
        {
            var tenantCode = parse.GetValue(code)!;
            var run = await context.AuditedAsync(AuditActions.TenantModuleInstalled, tenantCode, async () =>
            {
                var module = catalog.Get(parse.GetValue(moduleName)!);
                // Refused before the module is recorded, not after (the run that installs it needs a session).
                provisioner.RequireSession($"Installing {module.Name} into tenant '{tenantCode}'");
                await tenantModules.AddAsync(tenantCode, module.Name, ct);
                return await ProvisionAsync(provisioner, context, tenantCode, new TenantProvisioner.Options(), parse.GetValue(json), ct);
            }, r => r.AuditDetail(), new { Module = parse.GetValue(moduleName) });
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(CliJson.Serialize(ToJson(run, null)));
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(install);

        var module = new Command("module", "Platform modules.");
        var list = new Command("list", "List the modules this build ships: version, target, dependencies.") { json };
        list.SetAction(context.Run<ModuleCatalog>(async (catalog, parse, _) =>
        {
            var modules = catalog.Modules.OrderBy(m => m.Name, StringComparer.Ordinal).ToList();
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(modules.Select(m => new
                {
                    m.Name, m.Version, m.Manifest.Summary, Target = m.Target, m.Manifest.Depends, m.Manifest.Tables, m.Manifest.Views,
                    Base = ModuleCatalog.BaseModules.Contains(m.Name),
                })));
                return ExitCode.Success;
            }
            var table = new Table().AddColumns("module", "version", "target", "depends", "base", "summary");
            foreach (var m in modules)
            {
                table.AddRow(new[] { m.Name, m.Version, m.Target.ToString().ToLowerInvariant(), string.Join(", ", m.Manifest.Depends),
                    ModuleCatalog.BaseModules.Contains(m.Name) ? "yes" : "", m.Manifest.Summary }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            return ExitCode.Success;
        }));
        module.Subcommands.Add(list);

        var folder = new Argument<string>("folder") { Description = "A folder laid out as the repository: modules/<name>/ and databanks/<code>/ with manifest.json and migrations/NNNN_name.sql." };
        var check = new Command("check", "Check modules and databanks before they are built in, exactly as the build reads them: manifests, script names, UTF-8 text, placeholders, dependencies (exit 2 naming the first file that is not valid).") { folder, json };
        check.SetAction((parse, ct) => context.GuardAsync(async () =>
        {
            var path = parse.GetValue(folder)!;
            if (path.Length == 0 || path.Contains('\0', StringComparison.Ordinal) || !Directory.Exists(path))
            {
                throw new InvalidInputException($"FOLDER '{CliArguments.Printable(path)}' is not a folder.");
            }
            if (!Directory.Exists(Path.Combine(path, "modules")) && !Directory.Exists(Path.Combine(path, "databanks")))
            {
                throw new InvalidInputException($"FOLDER '{CliArguments.Printable(path)}' has neither modules/ nor databanks/ in it.");
            }
            var read = ModuleCatalog.FromFolder(path);
            var databanks = read.AllWithDatabanks.Count() - read.Modules.Count;
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(CliJson.Serialize(new { Modules = read.Modules.Count, Databanks = databanks, Valid = true }));
            await context.Error.WriteLineAsync($"{read.Modules.Count} module(s) and {databanks} databank(s) read: every manifest and script is valid.");
            return ExitCode.Success;
        }, ct));
        module.Subcommands.Add(check);
        root.Subcommands.Add(module);

        var tenantCode = CliArguments.TenantCode(description: "One tenant to migrate (or use --all).", arity: ArgumentArity.ZeroOrOne);
        var all = new Option<bool>("--all") { Description = "Every provisioned tenant; resumes the last fleet run that did not finish." };
        var parallel = new Option<int>("--parallel") { Description = "Tenants migrated at once (default 1).", DefaultValueFactory = _ => 1 };
        var keepGoing = new Option<bool>("--keep-going") { Description = "Go on after a tenant fails (default: stop at the first failure)." };
        var canary = new Option<int>("--canary") { Description = "With --all: migrate the first K tenants that need it first, one at a time; if one fails, stop the fleet." };
        var full = new Option<bool>("--full") { Description = "With --all: a full provisioning run for every tenant, also those whose last run applied this build's scripts and those that lack only new scripts (finds and repairs drift)." };
        var migrate = new Command("migrate", "Apply this build's modules and databanks to provisioned tenants: ./ipai migrate CODE | --all [--parallel N] [--canary K] [--keep-going] [--full]")
        {
            tenantCode, all, parallel, keepGoing, canary, full, json,
        };
        migrate.SetAction(context.Run<FleetMigrator>(async (migrator, parse, ct) =>
        {
            var one = parse.GetValue(tenantCode);
            if ((one is null) == !parse.GetValue(all) || parse.GetValue(parallel) < 1 || parse.GetValue(canary) < 0 ||
                (one is not null && (parse.GetValue(canary) > 0 || parse.GetValue(full))))
            {
                await context.Error.WriteLineAsync("usage error: give one tenant code or --all (not both), --parallel of 1 or more, and --canary (0 or more) or --full only with --all.");
                return ExitCode.Usage;
            }
            var options = new FleetMigrator.Options(parse.GetValue(parallel), parse.GetValue(keepGoing), parse.GetValue(canary), parse.GetValue(full));
            return await MigrateAsync(migrator, context, one is null ? null : [one], options, parse.GetValue(json), ct);
        }));
        root.Subcommands.Add(migrate);
    }

    private static async Task<int> MigrateAsync(FleetMigrator migrator, CliContext context, IReadOnlyList<string>? codes, FleetMigrator.Options options, bool json, CancellationToken cancellationToken)
    {
        var total = codes?.Count ?? (await migrator.FleetAsync(cancellationToken)).Count;
        var clock = Stopwatch.StartNew();
        FleetMigrator.FleetResult result;
        if (context.Terminal && !json)
        {
            result = null!;
            await context.Console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async progress =>
                {
                    var bar = progress.AddTask($"migrating {total} tenant(s)", maxValue: Math.Max(total, 1));
                    var ran = 0;
                    result = await migrator.MigrateAsync(codes, options, outcome =>
                    {
                        // Tenants a run was made for, per second: the rate that the time left depends on.
                        if (!outcome.Current && !outcome.Skipped) Interlocked.Increment(ref ran);
                        bar.Description = $"migrating {total} tenant(s), {Rate(ran, clock.Elapsed)}";
                        bar.Increment(1);
                    }, cancellationToken);
                });
        }
        else
        {
            result = await migrator.MigrateAsync(codes, options, outcome =>
            {
                if (!json && !outcome.Current) context.Error.WriteLine(FormatOutcome(outcome));
            }, cancellationToken);
        }
        var current = result.Tenants.Count(t => t.Current);
        var newScripts = result.Tenants.Count(t => t.NewScriptsOnly && t.Succeeded);
        if (json)
        {
            await context.Output.WriteLineAsync(CliJson.Serialize(new
            {
                result.RunId, result.Resumed, result.Succeeded, Current = current, Seconds = Math.Round(clock.Elapsed.TotalSeconds, 4),
                Tenants = result.Tenants.Select(t => new { t.Tenant, t.Succeeded, t.Skipped, t.Current, t.NewScriptsOnly, t.Canary, t.Changed, t.Error, Seconds = Math.Round(t.Elapsed.TotalSeconds, 4) }),
            }));
        }
        else
        {
            if (context.Terminal) foreach (var outcome in result.Tenants.Where(t => !t.Current)) await context.Error.WriteLineAsync(FormatOutcome(outcome));
            var failed = result.Tenants.Count(t => !t.Succeeded);
            var canaryFailed = result.Tenants.Any(t => t.Canary && !t.Succeeded);
            await context.Error.WriteLineAsync(
                $"{(result.Resumed ? "Resumed fleet run" : "Fleet run")} {result.RunId}: {result.Tenants.Count(t => t.Succeeded)} of {total} tenant(s) up to date" +
                (current > 0 ? $" ({current} already were: their last run applied this build's scripts)" : "") +
                (newScripts > 0 ? $", {newScripts} by a new-scripts run" : "") +
                (failed > 0 ? $", {failed} failed" : "") +
                (canaryFailed ? "; a canary failed, so no other tenant was touched" : "") +
                $" ({PlatformCommands.Seconds(clock.Elapsed)})" +
                (result.Succeeded ? "." : $"; run `./ipai migrate --all` again to resume{(options.KeepGoing ? "" : " (or add --keep-going)")}."));
        }
        return result.Succeeded ? ExitCode.Success : ExitCode.Failure;
    }

    private static string Rate(int tenants, TimeSpan elapsed) =>
        $"{(elapsed.TotalSeconds > 0 ? tenants / elapsed.TotalSeconds : 0).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} tenant(s)/s";

    private static string FormatOutcome(FleetMigrator.TenantOutcome o) =>
        $"  {(o.Succeeded ? (o.Changed ? "+" : "=") : "!")} {o.Tenant,-18} {(o.Skipped ? "skipped (done in the run resumed)" : o.Succeeded ? (o.Changed ? (o.NewScriptsOnly ? "migrated (new scripts only)" : "migrated") : "up to date") : "FAILED: " + o.Error)}{(o.Canary ? " (canary)" : "")}  {PlatformCommands.Seconds(o.Elapsed)}";

    /// <summary>
    /// <c>tenant provision --all-drafts</c>: every draft provisioned (<see cref="FleetMigrator.ProvisionDraftsAsync"/>),
    /// then the gates of those that became active, unless <paramref name="verify"/> is null (<c>--no-verify</c>).
    /// </summary>
    private static async Task<int> ProvisionDraftsAsync(CliContext context, IConfiguration configuration, FleetMigrator fleet, FleetVerifier verifier, int parallel,
        VerifyCommands.Settings? verify, bool json, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var outcomes = await fleet.ProvisionDraftsAsync(parallel, outcome => { if (!json) context.Error.WriteLine(FormatOutcome(outcome)); }, cancellationToken);
        foreach (var outcome in outcomes.Where(o => !o.Skipped))
        {
            await context.AuditAsync(AuditActions.TenantProvisioned, outcome.Tenant, outcome.Succeeded ? AuditOutcome.Succeeded : AuditOutcome.Failed,
                new { outcome.Changed, AllDrafts = true });
        }
        var provisioned = outcomes.Where(o => o.Succeeded).Select(o => o.Tenant).ToList();
        if (!json)
        {
            await context.Error.WriteLineAsync(outcomes.Count == 0
                ? "No draft tenant: nothing to provision."
                : $"{provisioned.Count} of {outcomes.Count} draft tenant(s) provisioned, {parallel} at once ({PlatformCommands.Seconds(clock.Elapsed)}).");
        }
        IReadOnlyList<InsightPulse.Core.Verification.TenantVerification> verified = [];
        Uri? site = null;
        if (verify is not null && provisioned.Count > 0) (verified, site) = await VerifyCommands.VerifyAsync(context, configuration, verifier, provisioned, verify, cancellationToken);
        if (json)
        {
            await context.Output.WriteLineAsync(CliJson.Serialize(new
            {
                Seconds = Math.Round(clock.Elapsed.TotalSeconds, 4),
                Tenants = outcomes.Select(t => new { t.Tenant, t.Succeeded, t.Changed, t.Error, Seconds = Math.Round(t.Elapsed.TotalSeconds, 4) }),
                Verification = verify is null ? null : verified.Select(v => VerifyCommands.ToJson(v, site!)),
            }));
        }
        return outcomes.All(o => o.Succeeded) && verified.All(v => v.Passed) ? ExitCode.Success : ExitCode.Failure;
    }

    private static RunJson ToJson(ProvisionResult result, object? verification) =>
        new(result.RunId, result.Tenant, result.Changed, result.Steps.Select(s => new StepJson(s.Step, s.Acted, s.Detail, Math.Round(s.Elapsed.TotalSeconds, 4))).ToList(), verification);

    /// <summary>One provisioning run; its steps and outcome go to stderr unless <paramref name="json"/> (the caller prints the JSON).</summary>
    private static async Task<ProvisionResult> ProvisionAsync(TenantProvisioner provisioner, CliContext context, string code, TenantProvisioner.Options options, bool json, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        if (!json) await context.Error.WriteLineAsync($"Provisioning tenant {code}");
        var result = await provisioner.ProvisionAsync(code, options,
            step => { if (!json) context.Error.WriteLine(PlatformCommands.FormatStep(step)); },
            message => context.Error.WriteLine(message),
            cancellationToken);
        if (!json)
        {
            await context.Error.WriteLineAsync(result.Changed
                ? $"Tenant {code} is active ({PlatformCommands.Seconds(clock.Elapsed)}, run {result.RunId})."
                : $"Tenant {code} was already complete: nothing to do ({PlatformCommands.Seconds(clock.Elapsed)}).");
        }
        return result;
    }
}
