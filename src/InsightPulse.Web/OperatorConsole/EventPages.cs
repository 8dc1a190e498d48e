using System.Globalization;
using InsightPulse.Core.Events;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Events;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;
using InsightPulse.Web.TenantOperations;

namespace InsightPulse.Web.OperatorConsole;

/// <summary>
/// <c>/console/events</c>: what <c>./ipai events list</c> and <c>./ipai webhook list|deliveries</c> show — the latest
/// schema_changed events (dispatched or pending, what the BI refresh did), the webhooks (paused: why) with pause,
/// resume and test, and each webhook's delivery log. Adding a webhook stays on the command line, where its secret
/// comes from the environment.
/// </summary>
public static class EventPages
{
    public static IEndpointRouteBuilder MapEventConsole(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/console").RequireAuthorization(WebAuthorization.Admin).RequirePlatformHost().ExcludeFromDescription();
        group.MapGet("/events", async (PageContext page, SchemaEventOutbox outbox, WebhookRegistry webhooks, EventDispatcher dispatcher) =>
            EventsPage(page, await outbox.ListAsync(null, 50, page.Http.RequestAborted), await webhooks.ListAsync(page.Http.RequestAborted), dispatcher.IsLeader));
        group.MapGet("/webhooks/{id:long}", async (long id, PageContext page, WebhookRegistry webhooks) =>
        {
            try
            {
                var webhook = await webhooks.GetAsync(id, page.Http.RequestAborted);
                return DeliveriesPage(page, webhook, await webhooks.DeliveriesAsync(id, 100, page.Http.RequestAborted));
            }
            catch (WebhookException)
            {
                return Results.NotFound();
            }
        });
        group.MapPost("/webhooks/{id:long}/pause", (long id, IFormCollection _, WebhookRegistry webhooks, HttpContext http) =>
            ActAsync(id, () => webhooks.PauseAsync(id, "paused by the operator (console)", http.RequestAborted)));
        group.MapPost("/webhooks/{id:long}/resume", (long id, IFormCollection _, WebhookRegistry webhooks, HttpContext http) =>
            ActAsync(id, () => webhooks.ResumeAsync(id, http.RequestAborted)));
        group.MapPost("/webhooks/{id:long}/test", async (long id, IFormCollection _, WebhookRegistry webhooks, WebhookDeliveries deliveries, HttpContext http) =>
        {
            try
            {
                var (_, outcome) = await deliveries.TestAsync(await webhooks.GetAsync(id, http.RequestAborted), http.RequestAborted);
                return Results.Redirect($"/console/webhooks/{id}?tested={(outcome.Succeeded ? "ok" : "failed")}");
            }
            catch (WebhookException)
            {
                return Results.NotFound();
            }
        });
        return endpoints;
    }

    private static async Task<IResult> ActAsync(long id, Func<Task<Webhook>> action)
    {
        try
        {
            await action();
            return Results.Redirect("/console/events");
        }
        catch (WebhookException)
        {
            return Results.NotFound();
        }
    }

    private static IResult EventsPage(PageContext page, IReadOnlyList<SchemaEvent> events, IReadOnlyList<Webhook> webhooks, bool leading)
    {
        var eventRows = events.Select(e => Html.Of($"""
            <tr data-event="{e.Id.ToString(CultureInfo.InvariantCulture)}">
              <td>{e.Id.ToString(CultureInfo.InvariantCulture)}<br><small class="muted nowrap">{Time(e.OccurredAt)}</small></td>
              <td><a href="/console/tenants/{e.TenantCode}">{e.TenantCode}</a></td>
              <td>{e.Change}{Html.When(e.Store is not null, Html.Of($"<br><small class=\"muted\">{e.Store}: {e.Database}/{e.Schema}</small>"))}</td>
              <td><small>{Html.Join(e.Scripts.Select((s, i) => Html.Of($"{(i > 0 ? ", " : "")}<code>{s}</code>")))}</small></td>
              <td data-testid="dispatched" class="nowrap">{(e.DispatchedAt is { } at ? Time(at) : "pending")}</td>
              <td><small>{e.BiRefresh ?? "-"}</small></td>
            </tr>
            """));
        var webhookRows = webhooks.Select(w => Html.Of($"""
            <tr data-webhook="{w.Id.ToString(CultureInfo.InvariantCulture)}">
              <td><a href="/console/webhooks/{w.Id.ToString(CultureInfo.InvariantCulture)}">{w.Id.ToString(CultureInfo.InvariantCulture)}</a></td>
              <td><code>{w.Url}</code><br><small class="muted">{string.Join(", ", w.Events)} · secret ${w.SecretEnv}{(w.TokenEnv is null ? "" : $" · token ${w.TokenEnv}")}</small></td>
              <td><span class="badge {(w.State == Webhook.Active ? "active" : "suspended")}" data-testid="webhook-state">{w.State}</span>{Html.When(w.PausedReason is not null, Html.Of($"<br><small>{w.PausedReason}</small>"))}</td>
              <td>{w.ConsecutiveFailures.ToString(CultureInfo.InvariantCulture)} of {w.PauseAfter.ToString(CultureInfo.InvariantCulture)}</td>
              <td class="actions">
                {(w.State == Webhook.Active ? Form(page, w.Id, "pause", "Pause", "danger") : Form(page, w.Id, "resume", "Resume", "primary"))}
                {Form(page, w.Id, "test", "Send a test", "secondary")}
              </td>
            </tr>
            """));
        var body = Html.Of($"""
            <p class="muted">The dispatcher runs on one web node of the fleet; this node is {(leading ? "the dispatcher" : "standing by")}.
              Add webhooks with <code>./ipai webhook add URL --secret-env NAME</code> (the secret comes from the environment); <a href="/console">all tenants</a>.</p>
            <h2>Webhooks</h2>
            <div class="table-wrap"><table data-testid="webhooks">
              <thead><tr><th>Id</th><th>URL</th><th>State</th><th>Failed in a row</th><th></th></tr></thead>
              <tbody>{webhookRows}</tbody>
            </table></div>
            {Html.When(webhooks.Count == 0, Html.Of($"<p class=\"muted\">No webhooks yet.</p>"))}
            <h2>Latest schema_changed events</h2>
            <div class="table-wrap"><table data-testid="events">
              <thead><tr><th>Event</th><th>Tenant</th><th>Change</th><th>Scripts</th><th>Dispatched (UTC)</th><th>BI refresh</th></tr></thead>
              <tbody>{eventRows}</tbody>
            </table></div>
            {Html.When(events.Count == 0, Html.Of($"<p class=\"muted\">No events yet.</p>"))}
            """);
        return HtmlResults.Page(Layout.Page(page, "Events and webhooks", body, "console"));
    }

    private static IResult DeliveriesPage(PageContext page, Webhook webhook, IReadOnlyList<WebhookDelivery> deliveries)
    {
        var tested = page.Http.Request.Query["tested"].ToString();
        var rows = deliveries.Select(d => Html.Of($"""
            <tr data-delivery="{d.Id.ToString()}">
              <td><code>{d.Id.ToString()}</code><br><small class="muted">{Time(d.CreatedAt)}</small></td>
              <td>{(d.EventId is { } e ? e.ToString(CultureInfo.InvariantCulture) : "-")}<br><small class="muted">{d.EventType}</small></td>
              <td data-testid="delivery-state">{d.State}{Html.When(d.State == WebhookDelivery.Pending && d.Attempts > 0, Html.Of($"<br><small>next attempt {Time(d.NextAttemptAt)}</small>"))}</td>
              <td><ol class="attempts">{Html.Join(d.AttemptLog.Select(a => Html.Of($"<li>{Time(a.StartedAt)} · {(a.Status is { } s ? $"HTTP {s}" : "no answer")}{(a.Error is null ? "" : $" · {a.Error}")} · {a.DurationMs} ms</li>")))}</ol></td>
            </tr>
            """));
        var body = Html.Of($"""
            {Html.When(tested == "ok", Html.Of($"<div class=\"notice\" role=\"status\">The test delivery was accepted by the receiver.</div>"))}
            {Html.When(tested == "failed", Html.Of($"<div class=\"alert\" role=\"alert\"><p>The test delivery failed: see its attempt below.</p></div>"))}
            <div class="card">
              <p><code>{webhook.Url}</code> · <span class="badge {(webhook.State == Webhook.Active ? "active" : "suspended")}">{webhook.State}</span>{Html.When(webhook.PausedReason is not null, Html.Of($" · {webhook.PausedReason}"))}</p>
              <div class="actions">{(webhook.State == Webhook.Active ? Form(page, webhook.Id, "pause", "Pause", "danger") : Form(page, webhook.Id, "resume", "Resume", "primary"))}{Form(page, webhook.Id, "test", "Send a test", "secondary")}</div>
            </div>
            <h2>Deliveries</h2>
            <div class="table-wrap"><table data-testid="deliveries">
              <thead><tr><th>Delivery</th><th>Event</th><th>State</th><th>Attempts (UTC)</th></tr></thead>
              <tbody>{rows}</tbody>
            </table></div>
            {Html.When(deliveries.Count == 0, Html.Of($"<p class=\"muted\">No deliveries yet.</p>"))}
            <p><a href="/console/events">Events and webhooks</a></p>
            """);
        return HtmlResults.Page(Layout.Page(page, $"Webhook {webhook.Id.ToString(CultureInfo.InvariantCulture)}", body, "console"));
    }

    private static Html Form(PageContext page, long id, string action, string label, string css) => Html.Of($"""
        <form method="post" action="/console/webhooks/{id.ToString(CultureInfo.InvariantCulture)}/{action}">{page.FormToken()}<button type="submit" class="{css}">{label}</button></form>
        """);

    private static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
