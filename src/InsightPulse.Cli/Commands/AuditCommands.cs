using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Tenants;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>audit [--tenant CODE] [--limit N] [--json]</c>: the audit trail (<c>ipai_audit</c>), newest first, read as the owner.</summary>
internal static class AuditCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Only the rows of this tenant code (also of a tenant deleted since)." };
        var limit = new Option<int>("--limit")
        {
            Description = $"At most this many rows, newest first (default {AuditLog.DefaultLimit}, at most {AuditLog.MaxLimit}).",
            DefaultValueFactory = _ => AuditLog.DefaultLimit,
        };
        var json = new Option<bool>("--json") { Description = "Print a JSON array (snake_case keys equal to the column names)." };
        var audit = new Command("audit", "Show the audit trail, newest first: who (actor), when, which tenant, what (action) and how it ended (succeeded, refused, failed), " +
            "for every operator and admin action (tenants created, updated, provisioned, suspended, moved, archived, restored; users created, passwords set; webhooks added; dashboards opened).")
        {
            tenant, limit, json,
        };
        audit.SetAction(context.Run<AuditLog>(async (log, parse, ct) =>
        {
            var code = parse.GetValue(tenant);
            if (code is not null && TenantRules.CodeError(code) is { } error)
            {
                await context.Error.WriteLineAsync($"usage error: --tenant {error}");
                return ExitCode.Usage;
            }
            if (parse.GetValue(limit) is < 1 or > AuditLog.MaxLimit)
            {
                await context.Error.WriteLineAsync($"usage error: --limit must be 1 to {AuditLog.MaxLimit}.");
                return ExitCode.Usage;
            }
            var rows = await log.ListAsync(code, parse.GetValue(limit), ct);
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(CliJson.Serialize(rows));
            else WriteTable(context, rows);
            // The count goes to standard error, so that --json stays a plain array.
            await context.Error.WriteLineAsync(rows.Count == 0
                ? code is null ? "no audit rows yet." : $"no audit rows of tenant {code}."
                : $"{rows.Count} row(s), newest first{(rows.Count == parse.GetValue(limit) ? "; older ones may follow (raise --limit)." : ".")}");
            return ExitCode.Success;
        }));
        root.Subcommands.Add(audit);
    }

    private static void WriteTable(CliContext context, IReadOnlyList<AuditRecord> rows)
    {
        var table = new Table().AddColumns("id", "at (UTC)", "actor", "tenant", "action", "outcome", "detail");
        foreach (var r in rows)
        {
            table.AddRow(new[]
            {
                r.Id.ToString(CultureInfo.InvariantCulture), r.At.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), r.Actor, r.TenantCode ?? "-",
                r.Action, AuditLog.ToText(r.Outcome), r.Detail.EnumerateObject().Any() ? JsonSerializer.Serialize(r.Detail) : "-",
            }.Select(v => new Text(v)).ToArray());
        }
        context.Console.Write(table);
    }
}
