using System.CommandLine;
using InsightPulse.Core.Bootstrap;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>doctor</c>: what is wrong with the live platform, and the command that fixes each (exit 1 when any error).</summary>
internal static class DoctorCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the findings as JSON (snake_case keys)." };
        var doctor = new Command("doctor", "Check the live platform: connectivity, server version, runtime roles, secrets, pending migrations, provisioning runs, orphans, templates, disk, webhooks; each problem with its fix.")
        {
            json,
        };
        doctor.SetAction(context.Run<PlatformDoctor>((platformDoctor, parse, ct) => DoctorAsync(platformDoctor, context, parse.GetValue(json), ct)));
        root.Subcommands.Add(doctor);
    }

    private static async Task<int> DoctorAsync(PlatformDoctor doctor, CliContext context, bool json, CancellationToken cancellationToken)
    {
        var report = await doctor.RunAsync(cancellationToken);
        if (json)
        {
            await context.Output.WriteLineAsync(CliJson.Serialize(new { report.Healthy, report.Errors, report.Warnings, report.Findings }));
        }
        else
        {
            var table = new Table().AddColumns("check", "level", "finding", "fix");
            foreach (var f in report.Findings)
            {
                table.AddRow(new Text(f.Check), new Text(Level(f.Level)), new Text(f.Finding), new Text(f.Fix.Length == 0 ? "-" : f.Fix));
            }
            context.Console.Write(table);
            await context.Error.WriteLineAsync(report.Healthy
                ? $"Doctor: healthy ({report.Warnings} warning(s))."
                : $"Doctor: {report.Errors} error(s), {report.Warnings} warning(s); each row says how to fix it.");
        }
        return report.Healthy ? ExitCode.Success : ExitCode.Failure;
    }

    private static string Level(DoctorLevel level) => level switch
    {
        DoctorLevel.Ok => "ok",
        DoctorLevel.Warn => "warn",
        _ => "error",
    };
}
