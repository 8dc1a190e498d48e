using System.CommandLine;
using System.Globalization;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Servers;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary>
/// <c>server add|list|drain|activate</c>: the fleet's PostgreSQL servers (<see cref="ServerRegistry"/>). Each tenant's
/// database is placed on one of them; the platform and shared data databases stay on the home server.
/// </summary>
internal static class ServerCommands
{
    /// <summary>The environment variable <c>server add</c> reads the admin URL from when neither --url nor --url-env is given.</summary>
    public const string AdminUrlVariable = "IPAI_SERVER_URL";

    public static void Add(RootCommand root, CliContext context)
    {
        var server = new Command("server", "The fleet's PostgreSQL servers: where tenant databases are placed.");
        root.Subcommands.Add(server);
        var json = new Option<bool>("--json") { Description = "Print JSON (snake_case keys)." };
        var name = CliArguments.ServerName("The server's name in the fleet, e.g. pg2 (lower-case letters, digits, '_').");

        var url = new Option<string?>("--url")
        {
            Description = "postgres://admin@host:port/postgres: a superuser (or CREATEROLE and CREATEDB) login there, used once to create the platform's roles; " +
                "not kept. A password in it is visible to other users of this machine: prefer PGPASSWORD, or --url-env.",
        };
        var urlEnv = new Option<string?>("--url-env") { Description = $"The name of an environment variable holding that URL (default {AdminUrlVariable})." };
        var add = new Command("add", "Add a PostgreSQL server to the fleet: creates the platform's roles there (same secrets as at home) and records it. " +
            "New tenants may then be placed on it (least loaded, or `tenant create --server NAME`).") { name, url, urlEnv, json };
        add.SetAction(context.Run<ServerRegistry>(async (registry, parse, ct) =>
        {
            var (adminUrl, problem) = AdminUrl(parse.GetValue(url), parse.GetValue(urlEnv));
            if (adminUrl is null)
            {
                await context.Error.WriteLineAsync($"usage error: {problem}");
                return ExitCode.Usage;
            }
            var acted = await registry.AddAsync(parse.GetValue(name)!, adminUrl, ct);
            var added = await registry.GetAsync(parse.GetValue(name)!, ct);
            if (parse.GetValue(json)) await context.Output.WriteLineAsync(CliJson.Serialize(new { Server = Shown(added), Did = acted }));
            else
            {
                foreach (var line in acted) await context.Error.WriteLineAsync($"  + {line}");
                await context.Error.WriteLineAsync(acted.Count == 0
                    ? $"Server {added.Name} ({added.Host}:{added.Port}) is in the fleet already; nothing to do."
                    : $"Server {added.Name} ({added.Host}:{added.Port}) is in the fleet: new tenants may be placed on it.");
            }
            return ExitCode.Success;
        }));
        server.Subcommands.Add(add);

        var list = new Command("list", "List the servers: address, state, tenants placed on each and the size of their databases.") { json };
        list.SetAction(context.Run<ServerRegistry>(async (registry, parse, ct) =>
        {
            var loads = await registry.ListAsync(ct);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(loads.Select(l => new
                {
                    Server = Shown(l.Server), l.Tenants, l.Bytes, l.Error,
                })));
                return ExitCode.Success;
            }
            var table = new Table().AddColumns("name", "address", "state", "tenants", "size", "since");
            foreach (var l in loads)
            {
                table.AddRow(new[]
                {
                    l.Server.Name, l.Server.IsHome ? "the platform's own (POSTGRES_URL or the managed cluster)" : $"{l.Server.Host}:{l.Server.Port}",
                    l.Server.State == FleetServerState.Active ? "active" : "draining",
                    l.Tenants.ToString(CultureInfo.InvariantCulture),
                    l.Bytes is { } bytes ? $"{bytes / (1024.0 * 1024.0):0.0} MB" : $"no answer: {l.Error}",
                    $"{l.Server.CreateDate:yyyy-MM-dd}",
                }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            return ExitCode.Success;
        }));
        server.Subcommands.Add(list);

        var drain = new Command("drain", "Stop placing new tenants on a server; the tenants on it stay until moved (`./ipai tenant move CODE --to OTHER`).") { name, json };
        drain.SetAction(context.Run<ServerRegistry>((registry, parse, ct) =>
            ReportAsync(context, registry.DrainAsync(parse.GetValue(name)!, ct), parse.GetValue(json), "is draining: no new tenant is placed on it")));
        server.Subcommands.Add(drain);

        var activate = new Command("activate", "Take a draining server back: new tenants may be placed on it again.") { name, json };
        activate.SetAction(context.Run<ServerRegistry>((registry, parse, ct) =>
            ReportAsync(context, registry.ActivateAsync(parse.GetValue(name)!, ct), parse.GetValue(json), "is active: new tenants may be placed on it")));
        server.Subcommands.Add(activate);

        var remove = new Command("remove", "Take a server out of the fleet: only when no tenant is placed on it (the platform's roles stay there).") { name };
        remove.SetAction(context.Run<ServerRegistry>(async (registry, parse, ct) =>
        {
            await registry.RemoveAsync(parse.GetValue(name)!, ct);
            await context.Error.WriteLineAsync($"Server {parse.GetValue(name)} is out of the fleet.");
            return ExitCode.Success;
        }));
        server.Subcommands.Add(remove);
    }

    /// <summary>
    /// The admin URL from --url, or the variable --url-env names, or <see cref="AdminUrlVariable"/>; a URL without a
    /// password takes PGPASSWORD's, as libpq would. Null with the problem when there is none or it is malformed.
    /// </summary>
    internal static (PostgresUrl? Url, string? Problem) AdminUrl(string? url, string? urlEnv)
    {
        if (url is not null && urlEnv is not null) return (null, "give --url or --url-env, not both.");
        var source = url is not null ? "--url" : urlEnv ?? AdminUrlVariable;
        var text = url ?? Environment.GetEnvironmentVariable(urlEnv ?? AdminUrlVariable);
        if (string.IsNullOrWhiteSpace(text))
        {
            return (null, urlEnv is null && url is null
                ? $"give the server's admin URL: --url postgres://admin@host:port/postgres (password in PGPASSWORD), --url-env NAME, or {AdminUrlVariable}."
                : $"{source} is empty.");
        }
        try
        {
            var parsed = PostgresUrl.Parse(text, source);
            if (parsed.Password.Length == 0 && Environment.GetEnvironmentVariable("PGPASSWORD") is { Length: > 0 } password) parsed = parsed with { Password = password };
            return (parsed, null);
        }
        catch (FormatException e)
        {
            return (null, e.Message);
        }
    }

    private static object Shown(FleetServer s) => new
    {
        s.Name, s.Host, s.Port, s.SslMode, s.MaintenanceDatabase, State = s.State == FleetServerState.Active ? "active" : "draining", s.CreateDate,
    };

    private static async Task<int> ReportAsync(CliContext context, Task<FleetServer> change, bool json, string what)
    {
        var server = await change;
        if (json) await context.Output.WriteLineAsync(CliJson.Serialize(Shown(server)));
        else await context.Error.WriteLineAsync($"Server {server.Name} {what}.");
        return ExitCode.Success;
    }
}
