using InsightPulse.Core.Finance;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;
using static InsightPulse.Web.Finance.FinanceMarkup;

namespace InsightPulse.Web.Finance;

/// <summary><c>/finance/projects</c>: projects against their budgets, and a new project; <c>/finance/projects/{id}</c>: edit and delete.</summary>
internal static class ProjectPages
{
    public static void MapProjectPages(this RouteGroupBuilder group)
    {
        group.MapGet("/projects", async (PageContext page, ProjectStore projects, AgencyStore agencies, string? saved, string? deleted) =>
            List(page, await projects.ListAsync(page.Tenant, page.Http.RequestAborted), await agencies.ListAsync(page.Tenant, page.Http.RequestAborted), null, null,
                saved is not null ? $"Project {saved} saved." : deleted is not null ? "Project deleted." : null));
        group.MapPost("/projects", async (PageContext page, ProjectStore projects, AgencyStore agencies, IFormCollection form) =>
        {
            var entered = Read(form);
            try
            {
                var created = await projects.CreateAsync(page.Tenant, entered, page.Http.RequestAborted);
                return Results.Redirect("/finance/projects?saved=" + Uri.EscapeDataString(created.Code));
            }
            catch (FieldValidationException e)
            {
                return List(page, await projects.ListAsync(page.Tenant, page.Http.RequestAborted), await agencies.ListAsync(page.Tenant, page.Http.RequestAborted), entered, e.Errors, null);
            }
        });
        group.MapGet("/projects/{id:long}", async (PageContext page, ProjectStore projects, AgencyStore agencies, long id) =>
            await EditAsync(page, projects, agencies, id, null, null, null));
        group.MapPost("/projects/{id:long}", async (PageContext page, ProjectStore projects, AgencyStore agencies, long id, IFormCollection form) =>
        {
            var entered = Read(form);
            try
            {
                var saved = await projects.UpdateAsync(page.Tenant, id, entered, page.Http.RequestAborted);
                return Results.Redirect("/finance/projects?saved=" + Uri.EscapeDataString(saved.Code));
            }
            catch (FieldValidationException e)
            {
                return await EditAsync(page, projects, agencies, id, entered, e.Errors, null);
            }
        });
        group.MapPost("/projects/{id:long}/delete", async (PageContext page, ProjectStore projects, AgencyStore agencies, long id, IFormCollection form) =>
        {
            try
            {
                await projects.DeleteAsync(page.Tenant, id, page.Http.RequestAborted);
                return Results.Redirect("/finance/projects?deleted=1");
            }
            catch (FinanceConflictException e)
            {
                return await EditAsync(page, projects, agencies, id, null, null, e.Message);
            }
        });
    }

    private static ProjectForm Read(IFormCollection form) => new(
        form["agency_id"].ToString(), form["code"].ToString(), form["name"].ToString(), form["client_name"].ToString(), form["budget_amount"].ToString(),
        form["currency"].ToString(), form["start_date"].ToString(), form["end_date"].ToString(), form["state"].ToString());

    private static IResult List(PageContext page, IReadOnlyList<ProjectBudget> projects, IReadOnlyList<Agency> agencies, ProjectForm? entered,
        IReadOnlyList<ValidationError>? errors, string? notice)
    {
        var rows = projects.Select(p => Html.Of($"""
            <tr data-testid="project-row">
              <td><a href="/finance/projects/{p.ProjectId}">{p.ProjectCode}</a></td>
              <td>{p.ProjectName}<br><small class="muted">{p.AgencyCode}{(p.ClientName is null ? "" : " · " + p.ClientName)}</small></td>
              <td>{Badge(p.State)}</td>
              <td class="num" data-testid="budget">{Money(p.BudgetAmount, p.Currency)}</td>
              <td class="num" data-testid="spent">{Money(p.TotalGrossSpent, p.Currency)}</td>
              <td class="num" data-testid="pending">{Money(p.TotalGrossPending, p.Currency)}</td>
              <td class="num" data-testid="remaining">{Money(p.RemainingBudget, p.Currency)}</td>
              <td data-testid="used">{Used(p.PercentUsed)}</td>
            </tr>
            """));
        var currencies = projects.Select(p => p.Currency).Distinct().ToList();
        var totals = Html.When(projects.Count > 1 && currencies.Count == 1, Html.Of($"""
            <tfoot><tr><td colspan="3">Total</td>
              <td class="num" data-testid="total-budget">{Money(projects.Sum(p => p.BudgetAmount), currencies.FirstOrDefault() ?? "PHP")}</td>
              <td class="num" data-testid="total-spent">{Money(projects.Sum(p => p.TotalGrossSpent), currencies.FirstOrDefault() ?? "PHP")}</td>
              <td class="num">{Money(projects.Sum(p => p.TotalGrossPending), currencies.FirstOrDefault() ?? "PHP")}</td>
              <td class="num">{Money(projects.Sum(p => p.RemainingBudget), currencies.FirstOrDefault() ?? "PHP")}</td><td></td></tr></tfoot>
            """));
        var table = projects.Count == 0
            ? Html.Of($"<p class=\"muted\" data-testid=\"projects-empty\">No project yet.</p>")
            : Html.Of($"""
                <div class="table-wrap"><table data-testid="projects-table">
                  <thead><tr><th>Code</th><th>Project</th><th>State</th><th class="num">Budget</th><th class="num">Spent</th><th class="num">Pending</th>
                  <th class="num">Remaining</th><th>Used</th></tr></thead>
                  <tbody>{rows}</tbody>{totals}
                </table></div>
                <p class="muted">Spent: gross of approved and paid reports; pending: gross of submitted reports.</p>
                """);
        var form = agencies.Count == 0
            ? Html.Of($"<div class=\"card\"><p>Add an <a href=\"/finance/agencies\">agency</a> first: every project belongs to one.</p></div>")
            : Html.Of($"""
                <form class="card" method="post" action="/finance/projects" data-testid="project-form">
                  {page.FormToken()}
                  {Fields(entered, agencies, errors)}
                  <div class="actions"><button type="submit" class="primary" data-testid="project-submit">Create project</button></div>
                </form>
                """);
        var body = Html.Of($"""
            {Notice(notice)}
            {table}
            <h2>New project</h2>
            {form}
            """);
        return HtmlResults.Page(Layout.Page(page, "Projects", body, "projects"), FinancePages.StatusFor(errors, null));
    }

    private static async Task<IResult> EditAsync(PageContext page, ProjectStore projects, AgencyStore agencies, long id, ProjectForm? entered,
        IReadOnlyList<ValidationError>? errors, string? alert)
    {
        var cancel = page.Http.RequestAborted;
        var project = await projects.GetAsync(page.Tenant, id, cancel) ?? throw new FinanceNotFoundException($"No project {id}.");
        var budget = await projects.GetBudgetAsync(page.Tenant, id, cancel);
        var values = entered ?? new ProjectForm(project.AgencyId.ToString(System.Globalization.CultureInfo.InvariantCulture), project.Code, project.Name,
            project.ClientName, project.BudgetAmount.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture), project.Currency,
            Date(project.StartDate), Date(project.EndDate), project.State);
        var choices = await agencies.ListAsync(page.Tenant, cancel);
        var body = Html.Of($"""
            {Alert(alert)}
            {Html.When(budget is not null, Html.Of($"""
                <div class="cards">
                  <div class="card"><small class="muted">Budget</small><p data-testid="budget">{Money(budget?.BudgetAmount ?? 0, project.Currency)}</p></div>
                  <div class="card"><small class="muted">Spent</small><p data-testid="spent">{Money(budget?.TotalGrossSpent ?? 0, project.Currency)}</p></div>
                  <div class="card"><small class="muted">Pending</small><p data-testid="pending">{Money(budget?.TotalGrossPending ?? 0, project.Currency)}</p></div>
                  <div class="card"><small class="muted">Remaining</small><p data-testid="remaining">{Money(budget?.RemainingBudget ?? 0, project.Currency)}</p>{Used(budget?.PercentUsed)}</div>
                </div>
                """))}
            <form class="card" method="post" action="/finance/projects/{project.Id}" data-testid="project-form">
              {page.FormToken()}
              {Fields(values, choices, errors)}
              <div class="actions">
                <button type="submit" class="primary" data-testid="project-submit">Save project</button>
                <a class="button secondary" href="/finance/projects">Cancel</a>
              </div>
            </form>
            <h2>Delete</h2>
            <p class="muted">A project with expense reports cannot be deleted: close it instead.</p>
            {PostButton(page, $"/finance/projects/{project.Id}/delete", "Delete project", "project-delete")}
            """);
        return HtmlResults.Page(Layout.Page(page, $"Project {project.Code}", body, "projects"), FinancePages.StatusFor(errors, alert));
    }

    private static Html Fields(ProjectForm? values, IReadOnlyList<Agency> agencies, IReadOnlyList<ValidationError>? errors) => Html.Of($"""
        {FormFields.Errors(errors, "agency_id", "code", "name", "client_name", "budget_amount", "currency", "start_date", "end_date", "state")}
        <div class="form-grid">
          {Select("agency_id", "Agency", agencies.Select(a => (a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{a.Code} · {a.Name}")),
              values?.AgencyId ?? (agencies.Count == 1 ? agencies[0].Id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null), errors, empty: "Choose…")}
          {FormFields.Field("code", "Code", values?.Code, errors, required: true, hint: "e.g. P-2025-001")}
          {FormFields.Field("name", "Name", values?.Name, errors, required: true)}
          {FormFields.Field("client_name", "Client", values?.ClientName, errors)}
          {FormFields.Field("budget_amount", "Budget", values?.Budget, errors, hint: "In the project's currency, e.g. 250000.00", extra: "inputmode=\"decimal\"")}
          {FormFields.Field("currency", "Currency", values?.Currency ?? "PHP", errors, extra: "maxlength=\"3\"")}
          {FormFields.Field("start_date", "Start", values?.StartDate, errors, type: "date")}
          {FormFields.Field("end_date", "End", values?.EndDate, errors, type: "date")}
          {Select("state", "State", ProjectStates.All.Select(s => (s, s)), values?.State ?? "draft", errors)}
        </div>
        """);
}
