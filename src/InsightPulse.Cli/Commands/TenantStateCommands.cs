using System.CommandLine;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Cli.Commands;

/// <summary>
/// <c>tenant suspend</c> and <c>tenant resume</c>: the same moves as the API and the console
/// (<see cref="TenantRegistry.SuspendAsync"/>, <see cref="TenantRegistry.ResumeAsync"/>), from the machine, so an
/// operator can always bring a tenant back even when no web host answers.
/// </summary>
internal static class TenantStateCommands
{
    public static void Add(Command tenant, CliContext context)
    {
        var code = CliArguments.TenantCode();
        var json = new Option<bool>("--json") { Description = "Print the tenant as JSON (as `tenant show --json`)." };

        var suspend = new Command("suspend", "Suspend an active tenant: its sites answer 403, its data is kept. The platform tenant cannot be suspended.") { code, json };
        suspend.SetAction(context.Run<TenantRegistry>((registry, parse, ct) =>
            ReportAsync(context, context.AuditedAsync(AuditActions.TenantSuspended, parse.GetValue(code), () => registry.SuspendAsync(parse.GetValue(code)!, ct)),
                parse.GetValue(json), t => $"is suspended: its sites answer 403; `./ipai tenant resume {t.Code}` brings it back.")));
        tenant.Subcommands.Add(suspend);

        var resume = new Command("resume", "Resume a suspended tenant: its sites answer again.") { code, json };
        resume.SetAction(context.Run<TenantRegistry>((registry, parse, ct) =>
            ReportAsync(context, context.AuditedAsync(AuditActions.TenantResumed, parse.GetValue(code), () => registry.ResumeAsync(parse.GetValue(code)!, ct)),
                parse.GetValue(json), _ => "is active: its sites answer again.")));
        tenant.Subcommands.Add(resume);
    }

    private static async Task<int> ReportAsync(CliContext context, Task<Tenant> move, bool json, Func<Tenant, string> what)
    {
        var tenant = await move;
        if (json) await context.Output.WriteLineAsync(CliJson.Serialize(TenantCommands.Shown(tenant)));
        else await context.Error.WriteLineAsync($"Tenant {tenant.DisplayName} {what(tenant)}");
        return ExitCode.Success;
    }
}
