using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Bootstrap;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Web.Api;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary><c>up</c>, <c>down</c>, <c>status</c>, <c>psql</c>, <c>reset</c>: the platform's server and databases.</summary>
internal static class PlatformCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var noServe = new Option<bool>("--no-serve") { Description = "Set everything up, then return instead of serving the web app." };
        var noProvision = new Option<bool>("--no-provision") { Description = "Stop after the registry: do not provision draft tenants." };
        var withoutDemo = new Option<bool>("--without-demo") { Description = "Load no demo data (by default each active tenant gets its demo data once; `./ipai demo status`)." };
        var up = new Command("up", "Start the platform: managed PostgreSQL (unless POSTGRES_URL), roles, databases, migrations, seed tenants, provisioning of draft tenants, demo data once per tenant, then serve the web runtime.")
        {
            noServe, noProvision, withoutDemo, ServeCommands.Urls,
        };
        up.SetAction(context.Run<PlatformEnvironmentSource, PlatformBootstrapper, IConfiguration>((source, bootstrapper, configuration, parse, ct) => UpAsync(source, bootstrapper, configuration, context, parse.GetValue(noServe) ? null : parse.GetValue(ServeCommands.Urls),
            new PlatformBootstrapper.Options(ProvisionTenants: !parse.GetValue(noProvision), LoadDemo: !parse.GetValue(withoutDemo), Actor: AuditActor.CommandLine), ct)));
        root.Subcommands.Add(up);

        var down = new Command("down", "Stop the managed PostgreSQL cluster (its data stays).");
        down.SetAction(context.Run<PlatformEnvironmentSource>((source, _, ct) => DownAsync(source, context, ct)));
        root.Subcommands.Add(down);

        var json = new Option<bool>("--json") { Description = "Print JSON (snake_case keys) instead of a table." };
        var tenantDatabases = new Option<bool>("--databases") { Description = "List every tenant database (by default only their count and the missing ones)." };
        var status = new Command("status", "Show the cluster's state, port, databases and tenant count (never a secret).") { json, tenantDatabases };
        status.SetAction(context.Run<PlatformStatusReader, IConfiguration, ManagedCluster>((reader, configuration, cluster, parse, ct) =>
            StatusAsync(reader, OperatorToken.Describe(configuration, cluster.Secrets), context, parse.GetValue(json), parse.GetValue(tenantDatabases), ct)));
        root.Subcommands.Add(status);

        var psql = new Command("psql", "Open psql on a platform database as the owner role, without handling a password: ./ipai psql [DATABASE] [psql options…]")
        {
            new Argument<string>("database") { Description = "Database (default: the platform database odoo_platform); psql's own options may follow.", Arity = ArgumentArity.ZeroOrOne },
        };
        root.Subcommands.Add(psql);

        var yes = new Option<bool>("--yes") { Description = "Confirm: the managed cluster's data and secrets are deleted." };
        var reset = new Command("reset", "Stop the managed cluster and delete its data and secrets (needs --yes).") { yes };
        reset.SetAction(context.Run<PlatformEnvironmentSource>((source, parse, ct) => ResetAsync(source, context, parse.GetValue(yes), ct)));
        root.Subcommands.Add(reset);
    }

    private static async Task<int> UpAsync(
        PlatformEnvironmentSource source, PlatformBootstrapper bootstrapper, IConfiguration configuration, CliContext context, string? serveUrls,
        PlatformBootstrapper.Options options, CancellationToken cancellationToken)
    {
        await context.Error.WriteLineAsync(source.Mode == PlatformMode.External
            ? $"Platform on {source.Current.Description}"
            : $"Platform on the managed cluster in {source.Cluster.Home}");
        var clock = Stopwatch.StartNew();
        var steps = await bootstrapper.UpAsync(options,
            step => context.Error.WriteLine(FormatStep(step)), cancellationToken);
        var changed = steps.Count(s => s.Acted);
        var failed = steps.Where(s => s.Failed).ToList();
        if (failed.Count > 0)
        {
            await context.Error.WriteLineAsync($"{failed.Count} step(s) failed; the rest of the platform is up:");
            foreach (var step in failed) await context.Error.WriteLineAsync($"  {step.Step}: {step.Error}");
        }
        await context.Error.WriteLineAsync(changed == 0 && failed.Count == 0
            ? $"Up to date: nothing to change ({Seconds(clock.Elapsed)})."
            : $"Ready: {changed} step(s) changed something ({Seconds(clock.Elapsed)}).");
        if (serveUrls is not null)
        {
            // Tenants that failed are served their status page (or 503 while Provisioning); the rest work.
            var served = await ServeCommands.ServeAsync(configuration, context, serveUrls, cancellationToken);
            return failed.Count == 0 ? served : ExitCode.Failure;
        }
        return failed.Count == 0 ? ExitCode.Success : ExitCode.Failure;
    }

    internal static string FormatStep(StepResult step) => step.Failed
        ? $"  ! {step.Step,-18} FAIL  {Seconds(step.Elapsed),8}  {step.Error}"
        : $"  {(step.Acted ? "+" : "=")} {step.Step,-18} {(step.Acted ? "done" : "ok  ")}  {Seconds(step.Elapsed),8}  {step.Detail}";

    internal static string Seconds(TimeSpan elapsed) => elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture) + " s";

    private static async Task<int> DownAsync(PlatformEnvironmentSource source, CliContext context, CancellationToken cancellationToken)
    {
        if (source.Mode == PlatformMode.External)
        {
            await context.Error.WriteLineAsync($"POSTGRES_URL is set ({source.Current.Description}): that server is not managed here, nothing to stop.");
            return ExitCode.Success;
        }
        if (!source.Cluster.IsInitialized)
        {
            await context.Error.WriteLineAsync("No managed cluster here: nothing to stop.");
            return ExitCode.Success;
        }
        var stopped = await source.Cluster.StopAsync(immediate: false, cancellationToken);
        await context.Error.WriteLineAsync(stopped ? "Stopped the managed PostgreSQL cluster (data kept; `make up` starts it again)." : "The managed cluster was not running.");
        return ExitCode.Success;
    }

    /// <summary>Tenant databases listed by name before <c>status</c> summarizes them (count, and the missing ones).</summary>
    private const int TenantDatabasesListed = 5;

    private static async Task<int> StatusAsync(PlatformStatusReader reader, string operatorToken, CliContext context, bool json, bool allDatabases, CancellationToken cancellationToken)
    {
        var status = await reader.ReadAsync(cancellationToken);
        if (json)
        {
            await context.Output.WriteLineAsync(CliJson.Serialize(status));
        }
        else
        {
            var table = new Table().HideHeaders().AddColumn("key").AddColumn("value");
            void Row(string key, string? value) => table.AddRow(new Text(key), new Text(value ?? "-"));
            Row("mode", status.Mode);
            Row("target", status.Target);
            foreach (var url in status.Urls) Row(url.Variable, $"{url.Url}: {url.Serves}");
            Row("server", status.Server);
            Row("port", status.Port?.ToString(CultureInfo.InvariantCulture));
            Row("cluster dir", status.ClusterDir);
            Row("server version", status.ServerVersion);
            // At fleet size one row per tenant database is hundreds of rows: past a few, a count and the missing ones.
            var tenantDbs = status.Databases.Where(db => db.Role == "tenant").ToList();
            var listAll = allDatabases || tenantDbs.Count <= TenantDatabasesListed;
            foreach (var db in status.Databases.Where(db => db.Role != "tenant" || listAll)) Row($"database ({db.Role})", $"{db.Name}{(db.Server == FleetServer.Home ? "" : $" on {db.Server}")}{(db.Exists ? "" : " (missing)")}");
            if (!listAll)
            {
                var missing = tenantDbs.Where(db => !db.Exists).Select(db => db.Name).ToList();
                Row("tenant databases", $"{tenantDbs.Count} ({(missing.Count == 0 ? "none missing" : $"{missing.Count} missing: {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", …" : "")}")}; " +
                    "`status --databases` lists them)");
            }
            Row("tenants", status.TenantCount is { } count
                ? $"{count} ({string.Join(", ", status.TenantsByState.Select(kv => $"{kv.Value} {kv.Key}"))})"
                : null);
            if (status.TenantsByServer.Count > 1 || status.TenantsByServer.Keys.Any(k => k != FleetServer.Home))
            {
                Row("tenants per server", string.Join(", ", status.TenantsByServer.Select(kv => $"{kv.Key} {kv.Value}")) + " (`./ipai server list`)");
            }
            Row("operator token", operatorToken);
            if (status.Problem is not null) Row("problem", status.Problem);
            context.Console.Write(table);
        }
        return status.Problem is null ? ExitCode.Success : ExitCode.Failure;
    }

    /// <summary>
    /// The fleet server of the tenant whose database is <paramref name="database"/>, the data server for the data
    /// database; home for any other name, or when the registry cannot be read (before `up`).
    /// </summary>
    private static async Task<string> ServerOfDatabaseAsync(PlatformDatabases databases, string database, CancellationToken cancellationToken)
    {
        if (database == databases.Environment.PlatformDatabase) return FleetServer.Home;
        if (database == databases.Environment.DataDatabase) return databases.Environment.DataServer;
        try
        {
            await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
            await using var command = new Npgsql.NpgsqlCommand("SELECT server FROM ipai_tenant WHERE db_name = @database AND server IS NOT NULL LIMIT 1", connection);
            command.Parameters.AddWithValue("database", database);
            return await command.ExecuteScalarAsync(cancellationToken) as string ?? FleetServer.Home;
        }
        catch (Npgsql.NpgsqlException)
        {
            return FleetServer.Home;
        }
    }

    /// <summary>Runs the real psql with the connection in its environment (PGPASSWORD reaches only that child).</summary>
    internal static async Task<int> PsqlAsync(PlatformDatabases databases, CliContext context, string[] args, CancellationToken cancellationToken)
    {
        var environment = databases.Environment;
        var database = args is [var first, ..] && !first.StartsWith('-') ? first : environment.PlatformDatabase;
        var rest = args is [var head, .. var tail] && !head.StartsWith('-') ? tail : args;
        if (!Sql.IsPlainIdentifier(database))
        {
            await context.Error.WriteLineAsync($"error: '{Sql.Printable(database)}' is not a database name.");
            return ExitCode.Usage;
        }
        var info = new ProcessStartInfo("psql") { UseShellExecute = false };
        foreach (var arg in rest) info.ArgumentList.Add(arg);
        // A tenant's database is opened on the fleet server it lives on.
        var server = await ServerOfDatabaseAsync(databases, database, cancellationToken);
        foreach (var (key, value) in databases.AddressOf(server).LibpqEnvironment(database, databases.OwnerOn(server), "ipai psql")) info.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            await context.Error.WriteLineAsync("error: psql not found: install it with `apt-get install postgresql-client`.");
            return ExitCode.Failure;
        }
        using (process)
        {
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode;
        }
    }

    private static async Task<int> ResetAsync(PlatformEnvironmentSource source, CliContext context, bool yes, CancellationToken cancellationToken)
    {
        if (source.Mode == PlatformMode.External)
        {
            await context.Error.WriteLineAsync("error: POSTGRES_URL is set: reset only deletes the managed cluster, never an external server.");
            return ExitCode.Failure;
        }
        if (!yes)
        {
            await context.Error.WriteLineAsync($"This deletes every database and secret of the managed cluster in {source.Cluster.Home}. Run `./ipai reset --yes` to confirm.");
            return ExitCode.Usage;
        }
        await source.Cluster.DestroyAsync(cancellationToken);
        await context.Error.WriteLineAsync("Deleted the managed cluster, its data and its secrets. `make up` creates a new one.");
        return ExitCode.Success;
    }
}
