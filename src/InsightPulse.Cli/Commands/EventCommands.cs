using System.CommandLine;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Events;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary>
/// <c>events list</c> (the schema_changed events) and <c>webhook add|list|remove|pause|resume|test|deliveries</c>
/// (where they are delivered). The web host's dispatcher does the delivering; these commands only read and configure.
/// </summary>
internal static class EventCommands
{
    public static void Add(RootCommand root, CliContext context)
    {
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (snake_case keys)." };
        var limit = new Option<int>("--limit") { Description = "At most this many rows, newest first.", DefaultValueFactory = _ => 50 };

        var events = new Command("events", "Schema-change events: written with every change to a tenant's stores, dispatched by the web host to BI and webhooks.");
        root.Subcommands.Add(events);
        var tenant = CliArguments.TenantOption("Only this tenant's events.");
        var list = new Command("list", "List the events, newest first: change, tenant, store, scripts, whether dispatched, what the BI refresh did.") { tenant, limit, json };
        list.SetAction(context.Run<SchemaEventOutbox>(async (outbox, parse, ct) =>
        {
            var rows = await outbox.ListAsync(parse.GetValue(tenant), Math.Max(1, parse.GetValue(limit)), ct);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(rows.Select(e => new
                {
                    e.Id, e.Uuid, e.EventType, e.Change, Tenant = e.TenantCode, e.Store, e.Database, e.Schema, e.Scripts, Installed = e.ScopesInstalled,
                    e.Checksum, e.OccurredAt, e.DispatchedAt, e.BiRefresh,
                })));
                return ExitCode.Success;
            }
            var table = new Table().AddColumns("id", "occurred (UTC)", "tenant", "change", "store", "scripts", "dispatched", "BI refresh");
            foreach (var e in rows)
            {
                table.AddRow(new[]
                {
                    e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{e.OccurredAt:yyyy-MM-dd HH:mm:ss}", e.TenantCode, e.Change,
                    e.Store is null ? "-" : $"{e.Store} ({e.Database}/{e.Schema})", e.Scripts.Length == 0 ? "-" : string.Join("\n", e.Scripts),
                    e.DispatchedAt is { } at ? $"{at:HH:mm:ss}" : "pending", e.BiRefresh ?? "-",
                }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            if (rows.Count == 0) await context.Error.WriteLineAsync("no events yet");
            return ExitCode.Success;
        }));
        events.Subcommands.Add(list);

        var webhook = new Command("webhook", "Webhooks that receive schema_changed events (GitHub repository_dispatch JSON, HMAC-signed, retried, logged).");
        root.Subcommands.Add(webhook);
        var id = new Argument<long>("id") { Description = "The webhook's id (`webhook list`)." };

        var url = new Argument<string>("url") { Description = "Where to POST, e.g. https://api.github.com/repos/OWNER/REPO/dispatches." };
        var eventTypes = new Option<string>("--events") { Description = "Event types to deliver, comma-separated.", DefaultValueFactory = _ => SchemaChanges.EventType };
        var secretEnv = new Option<string>("--secret-env") { Description = "Name of the environment variable holding the signing secret (also the bearer token unless --token-env).", Required = true };
        var tokenEnv = new Option<string?>("--token-env") { Description = "Name of the environment variable holding the bearer token (e.g. a GitHub token)." };
        var pauseAfter = new Option<int>("--pause-after") { Description = "Pause the webhook after this many failed attempts in a row.", DefaultValueFactory = _ => 10 };
        var add = new Command("add", "Add a webhook; events recorded from now on are delivered to it. The secrets are read from the environment, never from the command line.")
        {
            url, eventTypes, secretEnv, tokenEnv, pauseAfter, json,
        };
        add.SetAction(context.Run<WebhookRegistry>(async (registry, parse, ct) =>
        {
            var types = parse.GetValue(eventTypes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            // The row names the receiver's host only: a URL's path or query may carry a key.
            var added = await context.AuditedAsync(AuditActions.WebhookAdded, null,
                () => registry.AddAsync(parse.GetValue(url)!, types, parse.GetValue(secretEnv)!, parse.GetValue(tokenEnv), parse.GetValue(pauseAfter), ct),
                w => new { WebhookId = w.Id }, new { Host = Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var uri) ? uri.Host : null, Events = types });
            return await PrintAsync(context, [added], parse.GetValue(json), $"added webhook {added.Id}: {added.Url}");
        }));
        webhook.Subcommands.Add(add);

        var listHooks = new Command("list", "List the webhooks: URL, events, state (paused: why), failures in a row.") { json };
        listHooks.SetAction(context.Run<WebhookRegistry>(async (registry, parse, ct) =>
            await PrintAsync(context, await registry.ListAsync(ct), parse.GetValue(json), null)));
        webhook.Subcommands.Add(listHooks);

        var remove = new Command("remove", "Remove a webhook and its delivery log.") { id };
        remove.SetAction(context.Run<WebhookRegistry>(async (registry, parse, ct) =>
        {
            await registry.RemoveAsync(parse.GetValue(id), ct);
            await context.Error.WriteLineAsync($"removed webhook {parse.GetValue(id)}");
            return ExitCode.Success;
        }));
        webhook.Subcommands.Add(remove);

        var pause = new Command("pause", "Pause a webhook: its deliveries wait until it is resumed.") { id, json };
        pause.SetAction(context.Run<WebhookRegistry>(async (registry, parse, ct) =>
        {
            var paused = await registry.PauseAsync(parse.GetValue(id), "paused by the operator (`./ipai webhook pause`)", ct);
            return await PrintAsync(context, [paused], parse.GetValue(json), $"paused webhook {paused.Id}");
        }));
        webhook.Subcommands.Add(pause);

        var resume = new Command("resume", "Resume a webhook: its failure count starts again and its waiting deliveries go out at once.") { id, json };
        resume.SetAction(context.Run<WebhookRegistry>(async (registry, parse, ct) =>
        {
            var resumed = await registry.ResumeAsync(parse.GetValue(id), ct);
            return await PrintAsync(context, [resumed], parse.GetValue(json), $"resumed webhook {resumed.Id}");
        }));
        webhook.Subcommands.Add(resume);

        var test = new Command("test", "Send one signed delivery of event type webhook_test now and show what the receiver answered (exit 1 if it failed).") { id, json };
        test.SetAction(context.Run<WebhookRegistry, WebhookDeliveries>(async (registry, deliveries, parse, ct) =>
        {
            var (delivery, outcome) = await deliveries.TestAsync(await registry.GetAsync(parse.GetValue(id), ct), ct);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(new
                {
                    Delivery = delivery.Id, Webhook = delivery.WebhookId, delivery.State, outcome.Status, outcome.Error,
                    DurationMs = (int)outcome.Duration.TotalMilliseconds,
                }));
            }
            else
            {
                await context.Error.WriteLineAsync($"{(outcome.Succeeded ? "+" : "!")} delivery {delivery.Id}: {outcome.Describe()} in {outcome.Duration.TotalMilliseconds:0} ms");
            }
            return outcome.Succeeded ? ExitCode.Success : ExitCode.Failure;
        }));
        webhook.Subcommands.Add(test);

        var deliveriesCommand = new Command("deliveries", "Show a webhook's delivery log, newest first: each delivery's state and every attempt.") { id, limit, json };
        deliveriesCommand.SetAction(context.Run<WebhookRegistry>(async (registry, parse, ct) =>
        {
            var rows = await registry.DeliveriesAsync(parse.GetValue(id), Math.Max(1, parse.GetValue(limit)), ct);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(CliJson.Serialize(rows.Select(d => new
                {
                    d.Id, Webhook = d.WebhookId, Event = d.EventId, d.EventType, d.State, d.Attempts, d.NextAttemptAt, d.LastStatus, d.LastError,
                    d.CreatedAt, d.FinishedAt,
                    AttemptLog = d.AttemptLog.Select(a => new { a.Attempt, a.StartedAt, a.DurationMs, a.Status, a.Error }),
                })));
                return ExitCode.Success;
            }
            var table = new Table().AddColumns("delivery", "event", "type", "state", "attempts (UTC, status or error, ms)");
            foreach (var d in rows)
            {
                var attempts = d.AttemptLog.Select(a => $"{a.Attempt}. {a.StartedAt:HH:mm:ss} {(a.Status is { } s ? $"HTTP {s}" : "")}{(a.Error is null ? "" : $" {a.Error}")} ({a.DurationMs} ms)");
                var waiting = d.State == WebhookDelivery.Pending ? [$"next attempt {d.NextAttemptAt:HH:mm:ss}"] : Array.Empty<string>();
                table.AddRow(new[]
                {
                    d.Id.ToString(), d.EventId?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", d.EventType, d.State,
                    string.Join("\n", attempts.Concat(waiting)) is { Length: > 0 } text ? text : "-",
                }.Select(v => new Text(v)).ToArray());
            }
            context.Console.Write(table);
            if (rows.Count == 0) await context.Error.WriteLineAsync("no deliveries yet");
            return ExitCode.Success;
        }));
        webhook.Subcommands.Add(deliveriesCommand);
    }

    private static async Task<int> PrintAsync(CliContext context, IReadOnlyList<Webhook> webhooks, bool json, string? done)
    {
        if (json)
        {
            var rows = webhooks.Select(w => new
            {
                w.Id, w.Url, w.Events, w.SecretEnv, w.TokenEnv, w.State, w.PausedReason, w.PauseAfter, w.ConsecutiveFailures, w.CreatedAt,
            });
            await context.Output.WriteLineAsync(done is null ? CliJson.Serialize(rows) : CliJson.Serialize(rows.Single()));
            return ExitCode.Success;
        }
        if (done is not null)
        {
            await context.Error.WriteLineAsync(done);
            return ExitCode.Success;
        }
        var table = new Table().AddColumns("id", "url", "events", "secret", "state", "failures in a row");
        foreach (var w in webhooks)
        {
            table.AddRow(new[]
            {
                w.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), w.Url, string.Join(", ", w.Events),
                w.TokenEnv is null ? $"${w.SecretEnv}" : $"${w.SecretEnv}, token ${w.TokenEnv}",
                w.State == Webhook.Paused ? $"paused: {w.PausedReason}" : w.State, $"{w.ConsecutiveFailures} (pauses at {w.PauseAfter})",
            }.Select(v => new Text(v)).ToArray());
        }
        context.Console.Write(table);
        if (webhooks.Count == 0) await context.Error.WriteLineAsync("no webhooks: `./ipai webhook add URL --secret-env NAME`");
        return ExitCode.Success;
    }
}
