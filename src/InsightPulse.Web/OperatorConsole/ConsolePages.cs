using System.Globalization;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Verification;
using InsightPulse.Web.Api;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;
using InsightPulse.Web.TenantOperations;
using InsightPulse.Web.Verification;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace InsightPulse.Web.OperatorConsole;

/// <summary>
/// <c>/console</c>: the operator console, on the platform host for platform administrators. Every tenant with
/// its state, domains, stores and last provisioning run; a tenant's page starts provisioning (run in the background by
/// <see cref="ProvisioningRunner"/>, followed live over server-sent events), suspends and resumes it.
/// </summary>
public static class ConsolePages
{
    public static IEndpointRouteBuilder MapOperatorConsole(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/console").RequireAuthorization(WebAuthorization.Admin).RequirePlatformHost().ExcludeFromDescription();
        group.MapGet("/", async (PageContext page, TenantOverview overview, string? q, string? state, string? offset) =>
        {
            // A filter that does not parse (a hand-edited address) shows every tenant, saying so (400).
            var (parsed, errors) = TenantFilter.Parse(state, null, q, offset, ConsolePageSize.ToString(CultureInfo.InvariantCulture));
            var filter = parsed ?? new TenantFilter(Limit: ConsolePageSize);
            return ListPage(page, await overview.ListAsync(page.Http.Request, filter, page.Http.RequestAborted), filter, errors.Count > 0);
        });
        group.MapGet("/tenants/new", (PageContext page) => NewPage(page, null, null, null));
        group.MapPost("/tenants/new", async (PageContext page, IFormCollection form, TenantActions actions) =>
        {
            var entered = new CreateTenantRequest(form["code"], form["name"], form["primary_domain"], form["company_name"], form["industry"],
                form["country"], form["admin_email"], form["admin_phone"]);
            try
            {
                var created = await actions.CreateAsync(SessionClaims.Actor(page.User), entered, page.Http.RequestAborted);
                return Results.Redirect($"/console/tenants/{Uri.EscapeDataString(created.Code)}?created=1");
            }
            catch (TenantValidationException e)
            {
                return NewPage(page, entered, e.Errors, null);
            }
            catch (TenantConflictException e)
            {
                return NewPage(page, entered, null, e.Message);
            }
        });
        group.MapGet("/tenants/{code}", async (string code, PageContext page, TenantOverview overview, VerificationLog verifications, string? created, string? refused) =>
            await overview.FindAsync(code, page.Http.Request, page.Http.RequestAborted) is { } tenant
                ? DetailPage(page, tenant, (await verifications.LastAsync(page.Http.RequestAborted)).GetValueOrDefault(tenant.Code), created is not null, RefusalMessage(refused, tenant.Code))
                : NotFound(page));
        group.MapPost("/tenants/{code}/verify", async (string code, IFormCollection _, TenantVerifier verifier, SiteGates site, IServer server, HttpContext http) =>
        {
            try
            {
                var address = OwnAddress(server);
                var result = await verifier.VerifyAsync(code, address is null ? null : (t, ct) => site.RunAsync(t, address, ct), http.RequestAborted);
                await verifier.Log.RecordAsync(result, address?.ToString(), http.RequestAborted);
                return Results.Redirect($"/console/tenants/{Uri.EscapeDataString(code)}#verification");
            }
            catch (TenantNotFoundException)
            {
                return Results.NotFound();
            }
        });
        group.MapGet("/tenants/{code}/events", (string code, ProvisioningEvents events, HttpContext http) => events.Stream(code, http.RequestAborted));
        group.MapPost("/tenants/{code}/provision", (string code, IFormCollection _, TenantActions actions, HttpContext http) =>
            ActAsync(code, "provision", actions.StartProvisioningAsync, http));
        group.MapPost("/tenants/{code}/suspend", (string code, IFormCollection _, TenantActions actions, HttpContext http) =>
            ActAsync(code, "suspend", actions.SuspendAsync, http));
        group.MapPost("/tenants/{code}/resume", (string code, IFormCollection _, TenantActions actions, HttpContext http) =>
            ActAsync(code, "resume", actions.ResumeAsync, http));
        return endpoints;
    }

    /// <summary>
    /// Runs an action and goes back to the tenant's page (PRG). A refusal is named by the action only (<c>?refused=suspend</c>):
    /// the page shows its own fixed message, so a crafted link cannot put text of its choosing on an operator's page.
    /// </summary>
    private static async Task<IResult> ActAsync(string code, string name, Func<AuditActor, string, CancellationToken, Task<Tenant>> action, HttpContext http)
    {
        var page = $"/console/tenants/{Uri.EscapeDataString(code)}";
        try
        {
            await action(SessionClaims.Actor(http.User), code, http.RequestAborted);
            return Results.Redirect(page);
        }
        catch (TenantNotFoundException)
        {
            return Results.NotFound();
        }
        catch (InvalidTenantStateException)
        {
            return Results.Redirect($"{page}?refused={name}");
        }
    }

    private static string? RefusalMessage(string? refused, string code) => refused switch
    {
        "suspend" when code == Tenant.PlatformCode => TenantLifecycle.PlatformLockOut,
        "provision" => "Provisioning was not started: the tenant is suspended (resume it first) or a run is already going on.",
        "suspend" => "Only an active tenant can be suspended.",
        "resume" => "Only a suspended tenant can be resumed.",
        _ => null,
    };

    /// <summary>Tenants per page of the console's list.</summary>
    public const int ConsolePageSize = 50;

    private static IResult ListPage(PageContext page, TenantPage<TenantResource> listed, TenantFilter filter, bool filterRefused)
    {
        var tenants = listed.Items;
        var rows = tenants.Select(t => Html.Of($"""
            <tr data-tenant="{t.Code}">
              <td><a href="/console/tenants/{t.Code}">{t.Code}</a><br><small class="muted">{t.Name}</small></td>
              <td>{StateBadge(t.State)}{Html.When(t.Unavailable is not null, Html.Of($"<br><span class=\"badge suspended\" title=\"{t.Unavailable}\" data-testid=\"unavailable\">unreachable</span>"))}</td>
              <td>{Links(t)}</td>
              <td><small>{t.DbName}<br>schema {t.SupabaseSchema}<br>server {t.Server ?? "not placed yet"}</small></td>
              <td><small>{(t.Modules.Count == 0 ? "base" : "base + " + string.Join(", ", t.Modules))}</small></td>
              <td>{RunSummary(t.LastRun, t.ProvisioningQueued)}</td>
            </tr>
            """));
        var states = Enum.GetValues<TenantState>().Select(TenantLifecycle.ToText);
        var stateOptions = Html.Join(states.Prepend("").Select(s => Html.Of(
            $"<option value=\"{s}\"{(filter.State is { } f && TenantLifecycle.ToText(f) == s ? " selected" : "")}>{(s.Length == 0 ? "any state" : s)}</option>")));
        var shown = tenants.Count == 0 ? "no tenant here" : $"{listed.Offset + 1}–{listed.Offset + tenants.Count}";
        string PageLink(int offset) => "/console?" + string.Join("&", new[]
        {
            filter.Text is { } text ? "q=" + Uri.EscapeDataString(text) : null,
            filter.State is { } s ? "state=" + TenantLifecycle.ToText(s) : null,
            "offset=" + offset.ToString(CultureInfo.InvariantCulture),
        }.Where(p => p is not null));
        var pager = Html.Of($"""
            <p class="muted" data-testid="tenant-count">{shown} of {listed.Total} tenant(s)
            {Html.When(listed.Offset > 0, Html.Of($"· <a href=\"{PageLink(Math.Max(0, listed.Offset - listed.Limit))}\" rel=\"prev\">previous</a>"))}
            {Html.When(listed.NextOffset is not null, Html.Of($"· <a href=\"{PageLink(listed.NextOffset ?? 0)}\" rel=\"next\" data-testid=\"next-page\">next</a>"))}</p>
            """);
        var body = Html.Of($"""
            <div class="toolbar"><h2>{listed.Total} tenant(s)</h2><span><a href="/console/events">Events and webhooks</a> <a class="button" href="/console/tenants/new">New tenant</a></span></div>
            <form class="filters" method="get" action="/console" role="search">
              <input type="search" name="q" value="{filter.Text ?? ""}" placeholder="code, name, domain, database" aria-label="Search tenants" maxlength="200">
              <select name="state" aria-label="State">{stateOptions}</select>
              <button type="submit">Filter</button>
            </form>
            {Html.When(filterRefused, Html.Of($"<div class=\"alert\" role=\"alert\"><p>That filter was not understood: every tenant is shown.</p></div>"))}
            {pager}
            <div class="table-wrap"><table data-testid="tenants">
              <thead><tr><th>Tenant</th><th>State</th><th>Domain</th><th>Database, schema, server</th><th>Modules</th><th>Last provisioning run (ms per step)</th></tr></thead>
              <tbody>{rows}</tbody>
            </table></div>
            <p class="muted">The same operations are in the JSON API under <code>{TenantApi.Prefix}</code> (operator bearer token); its description is <a href="{TenantApi.OpenApiPath}">{TenantApi.OpenApiPath}</a>.</p>
            """);
        // A filter that was not understood is a bad request: the page says so and lists every tenant.
        return HtmlResults.Page(Layout.Page(page, "Operator console", body, "console"), filterRefused ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK);
    }

    private static IResult NewPage(PageContext page, CreateTenantRequest? entered, IReadOnlyList<ValidationError>? errors, string? conflict)
    {
        string[] fields = ["code", "name", "primary_domain", "company_name", "industry", "country", "admin_email", "admin_phone"];
        var industry = entered?.Industry ?? Industry.Default;
        var industryError = errors?.FirstOrDefault(e => e.Field == "industry");
        var options = Industry.All.Select(i => i == industry
            ? Html.Of($"<option value=\"{i}\" selected>{i}</option>")
            : Html.Of($"<option value=\"{i}\">{i}</option>"));
        var body = Html.Of($"""
            <form class="card" method="post" action="/console/tenants/new" novalidate>
              {page.FormToken()}
              {Html.When(conflict is not null, Html.Of($"<div class=\"alert\" role=\"alert\"><p>{conflict}</p></div>"))}
              {FormFields.Errors(errors, fields)}
              <div class="form-grid">
                {FormFields.Field("code", "Code", entered?.Code, errors, required: true, hint: "Lower case letters, digits and _, starting with a letter: the database is odoo_<code>")}
                {FormFields.Field("name", "Name", entered?.Name, errors, required: true)}
                {FormFields.Field("primary_domain", "Primary domain", entered?.PrimaryDomain, errors, hint: "e.g. acme.insightpulseai.com")}
                {FormFields.Field("company_name", "Company name", entered?.CompanyName, errors)}
                <div class="field{(industryError is null ? "" : " invalid")}">
                  <label for="f-industry">Industry</label>
                  <select id="f-industry" name="industry">{options}</select>
                  {Html.When(industryError is not null, Html.Of($"<small class=\"error\" id=\"f-industry-error\">{industryError?.Message}</small>"))}
                </div>
                {FormFields.Field("country", "Country", entered?.Country ?? "PH", errors, hint: "ISO code, e.g. PH")}
                {FormFields.Field("admin_email", "Admin email", entered?.AdminEmail, errors, type: "email")}
                {FormFields.Field("admin_phone", "Admin phone", entered?.AdminPhone, errors)}
              </div>
              <div class="actions"><button type="submit" class="primary">Create tenant</button><a href="/console">Cancel</a></div>
            </form>
            """);
        var status = errors is null && conflict is null ? StatusCodes.Status200OK : StatusCodes.Status422UnprocessableEntity;
        return HtmlResults.Page(Layout.Page(page, "New tenant", body, "console"), status);
    }

    /// <summary>This web host's own address for the HTTP gates (loopback for a wildcard binding); null when it has no socket (a test server).</summary>
    private static Uri? OwnAddress(IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null || !Uri.TryCreate(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal)
                .Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal), UriKind.Absolute, out var uri)) return null;
        return uri.Host == "localhost" ? new UriBuilder(uri) { Host = "127.0.0.1" }.Uri : uri;
    }

    private static Html Verification(PageContext page, TenantResource t, VerificationLog.Last? last) => Html.Of($"""
        <h2 id="verification">Verification</h2>
        <div class="card">
          <p data-testid="last-verification">{(last is null ? Html.Of($"Never verified.") : Html.Of($"<span class=\"badge {(last.Passed ? "active" : "suspended")}\">{(last.Passed ? "every gate passed" : "failed")}</span> {last.VerifiedAt.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}{(last.Failed.Count > 0 ? ": " + string.Join(", ", last.Failed) : "")}"))}</p>
          <p class="muted">The onboarding checklist's acceptance gates on the live system; the evidence of each is in <code>./ipai tenant verify {t.Code}</code>.</p>
          <form method="post" action="/console/tenants/{t.Code}/verify">{page.FormToken()}<button type="submit" class="secondary">Verify now</button></form>
        </div>
        """);

    private static IResult DetailPage(PageContext page, TenantResource t, VerificationLog.Last? lastVerification, bool created, string? error)
    {
        var run = t.LastRun;
        var live = t.ProvisioningQueued || run is { Finished: false };
        var steps = run?.Steps.Select(s => Html.Of($"""
            <li data-step="{s.Step}" data-outcome="{s.Outcome ?? "running"}">{s.Step} · {s.Outcome ?? "running"}{Html.When(s.Milliseconds is not null, Html.Of($" · {s.Milliseconds} ms"))}{Html.When(s.Error is not null, Html.Of($" · {s.Error}"))}</li>
            """)) ?? [];
        var action = (string name, string label, string css) => Html.Of($"""
            <form method="post" action="/console/tenants/{t.Code}/{name}">{page.FormToken()}<button type="submit" class="{css}">{label}</button></form>
            """);
        var actions = new List<Html>();
        if (t.State is "draft" or "active" or "archived" && !live) actions.Add(action("provision", t.State == "active" ? "Provision again (repair)" : "Provision", "primary"));
        if (t.State == "active" && TenantLifecycle.MayBe(t.Code, TenantState.Suspended)) actions.Add(action("suspend", "Suspend", "danger"));
        if (t.State == "suspended") actions.Add(action("resume", "Resume", "primary"));
        var body = Html.Of($"""
            {Html.When(created, Html.Of($"<div class=\"notice\" role=\"status\">Tenant {t.Code} created as a draft: provision it to create its database and schema.</div>"))}
            {Html.When(error is not null, Html.Of($"<div class=\"alert\" role=\"alert\"><p>{error}</p></div>"))}
            {Html.When(t.Unavailable is not null, Html.Of($"<div class=\"alert\" role=\"alert\" data-testid=\"unavailable\"><p>This node cannot reach the tenant's database, so its site answers 503 for now: {t.Unavailable}</p></div>"))}
            <div class="card">
              <p>State: <span data-testid="tenant-state" class="badge {t.State}">{t.State}</span></p>
              <dl class="facts">
                <dt>Name</dt><dd>{t.Name}</dd>
                <dt>Open the site</dt><dd>{Links(t)}</dd>
                <dt>Hosts</dt><dd data-testid="tenant-hosts">{string.Join(", ", t.Hosts)}</dd>
                <dt>Database</dt><dd>{t.DbName} on server {t.Server ?? "(placed when first provisioned)"}</dd>
                <dt>Schema</dt><dd>{t.SupabaseSchema}</dd>
                <dt>Modules</dt><dd>{(t.Modules.Count == 0 ? "base" : "base + " + string.Join(", ", t.Modules))}</dd>
                <dt>Industry, country</dt><dd>{t.Industry}, {t.Country}</dd>
              </dl>
              <div class="actions">{actions}</div>
            </div>
            {Html.When(t.State == "active", Verification(page, t, lastVerification))}
            <h2>Provisioning</h2>
            <div class="card">
              <p data-testid="run-summary">{RunSummary(run, t.ProvisioningQueued)}</p>
              <ol data-testid="provision-steps" data-events="/console/tenants/{t.Code}/events" data-live="{(live ? "true" : "false")}" data-run="{run?.Id}">{steps}</ol>
            </div>
            <p><a href="/console">All tenants</a></p>
            <script src="/assets/console.js" defer></script>
            """);
        return HtmlResults.Page(Layout.Page(page, $"Tenant {t.Code}", body, "console"));
    }

    private static IResult NotFound(PageContext page) =>
        HtmlResults.Page(Layout.Page(page, "No such tenant", Html.Of($"<div class=\"card\"><p>There is no tenant with this code. <a href=\"/console\">All tenants</a></p></div>"), "console"),
            StatusCodes.Status404NotFound);

    private static Html StateBadge(string state) => Html.Of($"<span class=\"badge {state}\">{state}</span>");

    private static Html Links(TenantResource t) =>
        Html.Join(t.Urls.Select((url, i) => Html.Of($"{(i > 0 ? " · " : "")}<a href=\"{url}\" target=\"_blank\" rel=\"noopener\">{new Uri(url).Authority}</a>")));

    private static Html RunSummary(ProvisionRun? run, bool queued)
    {
        if (run is null) return Html.Of($"{(queued ? "queued" : "never provisioned")}");
        var when = run.StartedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
        var outcome = run.Outcome ?? (run.Finished ? "ended" : "running");
        var steps = run.Steps.Select(s => Html.Of($"<span>{s.Step} <b>{(s.Milliseconds is { } ms ? ms.ToString(CultureInfo.InvariantCulture) : s.Outcome ?? "…")}</b></span>"));
        return Html.Of($"""<span class="badge {(outcome == "succeeded" ? "active" : outcome == "failed" ? "suspended" : "provisioning")}">{outcome}</span> {when}{(run.Milliseconds is { } total ? $", {total} ms" : "")}{(queued ? " (a new run is queued)" : "")}<br><small class="steps">{steps}</small>{Html.When(run.Error is not null, Html.Of($"<br><small class=\"error\">{run.Error}</small>"))}""");
    }
}
