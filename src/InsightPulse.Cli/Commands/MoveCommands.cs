using System.CommandLine;
using System.Globalization;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Provisioning;

namespace InsightPulse.Cli.Commands;

/// <summary><c>tenant move CODE --to SERVER [--purge]</c> and <c>tenant move CODE --purge</c> (<see cref="TenantMover"/>).</summary>
internal static class MoveCommands
{
    public static void Add(Command tenant, CliContext context)
    {
        var code = CliArguments.TenantCode();
        var to = CliArguments.ServerOption(new Option<string?>("--to") { Description = "The fleet server to move the tenant's database to (`./ipai server list`)." });
        var purge = new Option<bool>("--purge") { Description = "Drop the old copies that finished moves kept (after the move, with --to)." };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var move = new Command("move", "Move a tenant's database to another fleet server: freeze (its requests answer 503), copy, verify every table's " +
            "count and checksum, switch the registry, keep the old copy until --purge. A move killed at any step leaves the tenant served from one " +
            "place; running it again finishes it.") { code, to, purge, json };
        move.SetAction(context.Run<TenantMover>(async (mover, parse, ct) =>
        {
            var target = parse.GetValue(to);
            if (target is null && !parse.GetValue(purge))
            {
                await context.Error.WriteLineAsync("usage error: give --to SERVER (and --purge to drop the old copy afterwards), or --purge alone.");
                return ExitCode.Usage;
            }
            TenantMover.MoveResult? result = null;
            if (target is not null)
            {
                result = await context.AuditedAsync(AuditActions.TenantMoved, parse.GetValue(code),
                    () => mover.MoveAsync(parse.GetValue(code)!, target, parse.GetValue(json) ? null : step => context.Error.WriteLine($"  + {step}"), ct),
                    r => new { r.MoveId, r.From, r.Resumed, r.Tables, r.Rows }, new { To = target });
            }
            var purged = parse.GetValue(purge) ? await mover.PurgeAsync(parse.GetValue(code)!, ct) : [];
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new
                {
                    Tenant = parse.GetValue(code),
                    Move = result is null ? null : new
                    {
                        result.MoveId, result.From, result.To, result.Resumed, result.Tables, result.Rows,
                        UnavailableSeconds = Math.Round(result.Unavailable.TotalSeconds, 3), ElapsedSeconds = Math.Round(result.Elapsed.TotalSeconds, 3),
                        result.OldCopy, result.Did,
                    },
                    Purged = purged,
                }));
                return ExitCode.Success;
            }
            foreach (var copy in purged) await context.Error.WriteLineAsync($"  + dropped the old copy {copy}");
            if (result is not null)
            {
                await context.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"Tenant {result.Tenant} is served from {result.To}{(result.Resumed ? " (a move that had stopped, finished)" : "")}: {result.Tables} table(s), {result.Rows} row(s) verified; " +
                    $"unavailable {result.Unavailable.TotalSeconds:0.000} s of {result.Elapsed.TotalSeconds:0.000} s."));
            }
            else if (purged.Count == 0)
            {
                await context.Error.WriteLineAsync("No old copy to drop.");
            }
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(move);
    }
}
