using System.CommandLine;
using InsightPulse.Core.Isolation;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>lint</c>: the isolation lint over every tenant database and schema (exit 1 when any ERROR).</summary>
internal static class LintCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON." };
        var tenant = CliArguments.TenantOption("Check only this tenant's database and schema.");
        var lint = new Command("lint", "Check tenant isolation in the catalogue of every tenant database and schema: RLS, policies, views, functions, grants, roles, server version.")
        {
            json, tenant,
        };
        lint.SetAction(context.Run<IsolationLint>((isolationLint, parse, ct) => LintAsync(isolationLint, context, parse.GetValue(tenant), parse.GetValue(json), ct)));
        root.Subcommands.Add(lint);
    }

    private static async Task<int> LintAsync(IsolationLint isolationLint, CliContext context, string? tenant, bool json, CancellationToken cancellationToken)
    {
        var report = await isolationLint.RunAsync(tenant, cancellationToken);
        if (json)
        {
            await context.Output.WriteLineAsync(CliJson.Serialize(new
            {
                Findings = report.Findings.Select(f => new
                {
                    Level = f.LevelText, f.Lint, f.Tenant, f.Database, Object = f.ObjectName, f.Detail, f.Fix,
                }),
                report.Errors,
                report.Warnings,
            }));
        }
        else
        {
            if (report.Findings.Count > 0)
            {
                var table = new Table().AddColumns("level", "lint", "tenant", "database", "object", "detail", "fix");
                foreach (var f in report.Findings)
                {
                    table.AddRow(new[] { f.LevelText, f.Lint, f.Tenant, f.Database, f.ObjectName, f.Detail, f.Fix }.Select(v => new Text(v)).ToArray());
                }
                context.Console.Write(table);
            }
            var infos = report.Findings.Count - report.Errors - report.Warnings;
            await context.Error.WriteLineAsync(report.Passed
                ? $"Isolation lint passed: {report.Errors} error(s), {report.Warnings} warning(s), {infos} note(s)."
                : $"Isolation lint FAILED: {report.Errors} error(s), {report.Warnings} warning(s), {infos} note(s); each row says how to fix it.");
        }
        return report.Passed ? ExitCode.Success : ExitCode.Failure;
    }
}
