using System.CommandLine;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Provisioning;

namespace InsightPulse.Cli.Commands;

/// <summary><c>tenant deprovision</c> and <c>tenant restore</c>: archive a tenant and drop it, bring it back from an archive.</summary>
internal static class ArchiveCommands
{
    public static void Add(Command tenant, CliContext context)
    {
        var code = CliArguments.TenantCode();
        var json = new Option<bool>("--json") { Description = "Print the result as JSON." };
        var archiveTo = new Option<string>("--archive-to") { Description = "Folder to write the archive into (a new sub-folder <code>-<UTC time> is made)." };
        var noArchive = new Option<bool>("--no-archive") { Description = "Drop without an archive (needs --yes): the tenant's data is gone for good." };
        var yes = new Option<bool>("--yes") { Description = "Confirm --no-archive." };
        var deprovision = new Command("deprovision", "Archive a tenant (pg_dump + manifest), then drop its database, schema and rows and mark it archived.")
        {
            code, archiveTo, noArchive, yes, json,
        };
        deprovision.SetAction(context.Run<TenantArchiver>(async (archiver, parse, ct) =>
        {
            var folder = parse.GetValue(archiveTo);
            if (folder is null == !parse.GetValue(noArchive) || (parse.GetValue(noArchive) && !parse.GetValue(yes)))
            {
                await context.Error.WriteLineAsync("usage error: give --archive-to DIR, or --no-archive --yes to drop the tenant's data without an archive.");
                return ExitCode.Usage;
            }
            var result = await context.AuditedAsync(AuditActions.TenantArchived, parse.GetValue(code), () => archiver.DeprovisionAsync(parse.GetValue(code)!, folder, ct),
                r => new { r.Archive, r.Changed }, new { Archived = folder is not null });
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new { result.Tenant, result.Archive, result.Dropped, result.Changed }));
            }
            else if (!result.Changed)
            {
                await context.Error.WriteLineAsync($"Tenant {result.Tenant} is archived already: nothing to drop.");
            }
            else
            {
                if (result.Archive is not null) await context.Error.WriteLineAsync($"  + archived to {result.Archive}");
                foreach (var item in result.Dropped) await context.Error.WriteLineAsync($"  + dropped {item}");
                await context.Error.WriteLineAsync($"Tenant {result.Tenant} is archived" +
                    (result.Archive is null ? "." : $"; bring it back with `./ipai tenant restore {result.Tenant} --from {result.Archive}`."));
            }
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(deprovision);

        var from = new Option<string>("--from") { Description = "The archive folder written by `tenant deprovision --archive-to`.", Required = true };
        var restore = new Command("restore", "Restore an archived tenant from its archive, verify every table against the manifest, and provision it to Active.")
        {
            code, from, json,
        };
        restore.SetAction(context.Run<TenantArchiver>(async (archiver, parse, ct) =>
        {
            var result = await context.AuditedAsync(AuditActions.TenantRestored, parse.GetValue(code), () => archiver.RestoreAsync(parse.GetValue(code)!, parse.GetValue(from)!, ct),
                r => new { r.Archive, r.TablesVerified, r.RowsVerified, r.Provisioning.RunId });
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new
                {
                    result.Tenant, result.Archive, result.TablesVerified, result.RowsVerified, result.Provisioning.RunId,
                }));
            }
            else
            {
                await context.Error.WriteLineAsync($"  + restored {result.Archive}");
                await context.Error.WriteLineAsync($"  + verified {result.TablesVerified} table(s), {result.RowsVerified} row(s): counts and checksums match the manifest");
                foreach (var step in result.Provisioning.Steps) await context.Error.WriteLineAsync(PlatformCommands.FormatStep(step));
                await context.Error.WriteLineAsync($"Tenant {result.Tenant} is active again.");
            }
            return ExitCode.Success;
        }));
        tenant.Subcommands.Add(restore);
    }
}
