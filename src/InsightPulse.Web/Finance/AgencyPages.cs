using InsightPulse.Core.Finance;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;
using static InsightPulse.Web.Finance.FinanceMarkup;

namespace InsightPulse.Web.Finance;

/// <summary><c>/finance/agencies</c>: list and create; <c>/finance/agencies/{id}</c>: edit and delete.</summary>
internal static class AgencyPages
{
    public static void MapAgencyPages(this RouteGroupBuilder group)
    {
        group.MapGet("/agencies", async (PageContext page, AgencyStore agencies, string? saved, string? deleted) =>
            List(page, await agencies.ListAsync(page.Tenant, page.Http.RequestAborted), null, null,
                saved is not null ? $"Agency {saved} saved." : deleted is not null ? "Agency deleted." : null));
        group.MapPost("/agencies", async (PageContext page, AgencyStore agencies, IFormCollection form) =>
        {
            var input = Read(form, active: true);
            try
            {
                var created = await agencies.CreateAsync(page.Tenant, input, page.Http.RequestAborted);
                return Results.Redirect("/finance/agencies?saved=" + Uri.EscapeDataString(created.Code));
            }
            catch (FieldValidationException e)
            {
                return List(page, await agencies.ListAsync(page.Tenant, page.Http.RequestAborted), input, e.Errors, null);
            }
        });
        group.MapGet("/agencies/{id:long}", async (PageContext page, AgencyStore agencies, long id) =>
        {
            var agency = await agencies.GetAsync(page.Tenant, id, page.Http.RequestAborted) ?? throw new FinanceNotFoundException($"No agency {id}.");
            return Edit(page, agency, null, null, null);
        });
        group.MapPost("/agencies/{id:long}", async (PageContext page, AgencyStore agencies, long id, IFormCollection form) =>
        {
            var agency = await agencies.GetAsync(page.Tenant, id, page.Http.RequestAborted) ?? throw new FinanceNotFoundException($"No agency {id}.");
            var input = Read(form, active: form["active"].ToString() == "on");
            try
            {
                var saved = await agencies.UpdateAsync(page.Tenant, id, input, page.Http.RequestAborted);
                return Results.Redirect("/finance/agencies?saved=" + Uri.EscapeDataString(saved.Code));
            }
            catch (FieldValidationException e)
            {
                return Edit(page, agency, input, e.Errors, null);
            }
        });
        group.MapPost("/agencies/{id:long}/delete", async (PageContext page, AgencyStore agencies, long id, IFormCollection form) =>
        {
            try
            {
                await agencies.DeleteAsync(page.Tenant, id, page.Http.RequestAborted);
                return Results.Redirect("/finance/agencies?deleted=1");
            }
            catch (FinanceConflictException e)
            {
                var agency = await agencies.GetAsync(page.Tenant, id, page.Http.RequestAborted) ?? throw new FinanceNotFoundException($"No agency {id}.");
                return Edit(page, agency, null, null, e.Message);
            }
        });
    }

    private static AgencyInput Read(IFormCollection form, bool active) =>
        new(form["code"].ToString(), form["name"].ToString(), form["tin"].ToString(), form["registered_address"].ToString(), active);

    private static IResult List(PageContext page, IReadOnlyList<Agency> agencies, AgencyInput? entered, IReadOnlyList<ValidationError>? errors, string? notice)
    {
        var rows = agencies.Select(a => Html.Of($"""
            <tr data-testid="agency-row"><td><a href="/finance/agencies/{a.Id}">{a.Code}</a></td><td>{a.Name}</td><td>{a.Tin}</td>
            <td>{a.RegisteredAddress}</td><td class="num">{a.ProjectCount}</td>
            <td><span class="badge {(a.Active ? "active" : "archived")}">{(a.Active ? "active" : "inactive")}</span></td></tr>
            """));
        var body = Html.Of($"""
            {Notice(notice)}
            {(agencies.Count == 0
                ? Html.Of($"<p class=\"muted\" data-testid=\"agencies-empty\">No agency yet: add the first one below.</p>")
                : Html.Of($"""
                    <div class="table-wrap"><table data-testid="agencies-table">
                      <thead><tr><th>Code</th><th>Name</th><th>TIN</th><th>Registered address</th><th class="num">Projects</th><th>State</th></tr></thead>
                      <tbody>{rows}</tbody>
                    </table></div>
                    """))}
            <h2>New agency</h2>
            <form class="card" method="post" action="/finance/agencies" data-testid="agency-form">
              {page.FormToken()}
              {Fields(entered, errors)}
              <div class="actions"><button type="submit" class="primary" data-testid="agency-submit">Create agency</button></div>
            </form>
            """);
        return HtmlResults.Page(Layout.Page(page, "Agencies", body, "agencies"), FinancePages.StatusFor(errors, null));
    }

    private static IResult Edit(PageContext page, Agency agency, AgencyInput? entered, IReadOnlyList<ValidationError>? errors, string? alert)
    {
        var values = entered ?? new AgencyInput(agency.Code, agency.Name, agency.Tin, agency.RegisteredAddress, agency.Active);
        var body = Html.Of($"""
            {Alert(alert)}
            <form class="card" method="post" action="/finance/agencies/{agency.Id}" data-testid="agency-form">
              {page.FormToken()}
              {Fields(values, errors)}
              <label class="check"><input type="checkbox" name="active"{Html.When(values.Active, Html.Trusted(" checked"))}> Active</label>
              <div class="actions">
                <button type="submit" class="primary" data-testid="agency-submit">Save agency</button>
                <a class="button secondary" href="/finance/agencies">Cancel</a>
              </div>
            </form>
            <h2>Delete</h2>
            <p class="muted">An agency with projects cannot be deleted ({agency.ProjectCount} project(s) now).</p>
            {PostButton(page, $"/finance/agencies/{agency.Id}/delete", "Delete agency", "agency-delete")}
            """);
        return HtmlResults.Page(Layout.Page(page, $"Agency {agency.Code}", body, "agencies"), FinancePages.StatusFor(errors, alert));
    }

    private static Html Fields(AgencyInput? values, IReadOnlyList<ValidationError>? errors) => Html.Of($"""
        {FormFields.Errors(errors, "code", "name", "tin", "registered_address")}
        <div class="form-grid">
          {FormFields.Field("code", "Code", values?.Code, errors, required: true, hint: "Letters, digits, '_', '.', '-', e.g. TBWA-MNL")}
          {FormFields.Field("name", "Name", values?.Name, errors, required: true)}
          {FormFields.Field("tin", "TIN", values?.Tin, errors, required: true, hint: "000-000-000 or with branch 000-000-000-000", extra: "inputmode=\"numeric\"")}
          {FormFields.Field("registered_address", "Registered address", values?.RegisteredAddress, errors)}
        </div>
        """);
}
