using InsightPulse.Core.Finance;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;
using static InsightPulse.Web.Finance.FinanceMarkup;

namespace InsightPulse.Web.Finance;

/// <summary>
/// <c>/finance/expenses</c>: reports, newest first, and a new report; <c>/finance/expenses/{id}</c>: a report with its
/// lines and totals, the line form, its state changes, edit and delete.
/// </summary>
internal static class ExpenseReportPages
{
    public static void MapExpenseReportPages(this RouteGroupBuilder group)
    {
        group.MapGet("/expenses", async (PageContext page, ExpenseReportStore reports, ProjectStore projects, string? deleted) =>
            await ListAsync(page, reports, projects, null, null, deleted is not null ? "Expense report deleted." : null));
        group.MapPost("/expenses", async (PageContext page, ExpenseReportStore reports, ProjectStore projects, IFormCollection form) =>
        {
            var entered = Read(form);
            try
            {
                var created = await reports.CreateAsync(page.Tenant, entered, page.Http.RequestAborted);
                return Results.Redirect($"/finance/expenses/{created.Id}");
            }
            catch (FieldValidationException e)
            {
                return await ListAsync(page, reports, projects, entered, e.Errors, null);
            }
        });
        group.MapGet("/expenses/{id:long}", async (PageContext page, ExpenseReportStore reports, ExpenseLineStore lines, ProjectStore projects, long id, string? saved) =>
            await ReportAsync(page, reports, lines, projects, id, new ReportPageState(Notice: saved switch
            {
                "line" => "Line saved.",
                "report" => "Report saved.",
                "state" => "State changed.",
                "deleted-line" => "Line deleted.",
                _ => null,
            })));
        group.MapPost("/expenses/{id:long}", async (PageContext page, ExpenseReportStore reports, ExpenseLineStore lines, ProjectStore projects, long id, IFormCollection form) =>
        {
            var entered = Read(form);
            try
            {
                await reports.UpdateAsync(page.Tenant, id, entered, page.Http.RequestAborted);
                return Results.Redirect($"/finance/expenses/{id}?saved=report");
            }
            catch (FieldValidationException e)
            {
                return await ReportAsync(page, reports, lines, projects, id, new ReportPageState(Report: entered, ReportErrors: e.Errors));
            }
            catch (FinanceConflictException e)
            {
                return await ReportAsync(page, reports, lines, projects, id, new ReportPageState(Alert: e.Message));
            }
        });
        group.MapPost("/expenses/{id:long}/state", async (PageContext page, ExpenseReportStore reports, ExpenseLineStore lines, ProjectStore projects, long id, IFormCollection form) =>
        {
            try
            {
                await reports.MoveAsync(page.Tenant, id, form["state"].ToString(), page.Http.RequestAborted);
                return Results.Redirect($"/finance/expenses/{id}?saved=state");
            }
            catch (FinanceConflictException e)
            {
                return await ReportAsync(page, reports, lines, projects, id, new ReportPageState(Alert: e.Message));
            }
        });
        group.MapPost("/expenses/{id:long}/delete", async (PageContext page, ExpenseReportStore reports, ExpenseLineStore lines, ProjectStore projects, long id, IFormCollection form) =>
        {
            try
            {
                await reports.DeleteAsync(page.Tenant, id, page.Http.RequestAborted);
                return Results.Redirect("/finance/expenses?deleted=1");
            }
            catch (FinanceConflictException e)
            {
                return await ReportAsync(page, reports, lines, projects, id, new ReportPageState(Alert: e.Message));
            }
        });
    }

    private static ExpenseReportForm Read(IFormCollection form) => new(
        form["project_id"].ToString(), form["employee_name"].ToString(), form["report_date"].ToString(), form["period"].ToString(), form["notes"].ToString());

    private static async Task<IResult> ListAsync(PageContext page, ExpenseReportStore reports, ProjectStore projects, ExpenseReportForm? entered,
        IReadOnlyList<ValidationError>? errors, string? notice)
    {
        var cancel = page.Http.RequestAborted;
        var list = await reports.ListAsync(page.Tenant, cancel);
        var choices = await projects.ListAsync(page.Tenant, cancel);
        var rows = list.Select(r => Html.Of($"""
            <tr data-testid="report-row">
              <td><a href="/finance/expenses/{r.Id}" data-testid="report-link">{Month(r.Period)}</a></td>
              <td>{r.ProjectCode}<br><small class="muted">{r.ProjectName}</small></td>
              <td>{r.EmployeeName}</td>
              <td>{Badge(r.State)}</td>
              <td class="num">{r.LineCount}</td>
              <td class="num" data-testid="gross">{Money(r.TotalGross, r.Currency)}</td>
              <td class="num" data-testid="withholding">{Money(r.TotalWithholding, r.Currency)}</td>
              <td class="num" data-testid="net">{Money(r.TotalNet, r.Currency)}</td>
            </tr>
            """));
        var table = list.Count == 0
            ? Html.Of($"<p class=\"muted\" data-testid=\"reports-empty\">No expense report yet.</p>")
            : Html.Of($"""
                <div class="table-wrap"><table data-testid="reports-table">
                  <thead><tr><th>Period</th><th>Project</th><th>Employee</th><th>State</th><th class="num">Lines</th><th class="num">Gross</th>
                  <th class="num">Withholding</th><th class="num">Net</th></tr></thead>
                  <tbody>{rows}</tbody>
                </table></div>
                """);
        var form = choices.Count == 0
            ? Html.Of($"<div class=\"card\"><p>Add a <a href=\"/finance/projects\">project</a> first: every report belongs to one.</p></div>")
            : Html.Of($"""
                <form class="card" method="post" action="/finance/expenses" data-testid="report-form">
                  {page.FormToken()}
                  {ReportFields(entered, choices, errors)}
                  <div class="actions"><button type="submit" class="primary" data-testid="report-submit">Create report</button></div>
                </form>
                """);
        var body = Html.Of($"""
            {Notice(notice)}
            {table}
            <h2>New expense report</h2>
            {form}
            """);
        return HtmlResults.Page(Layout.Page(page, "Expense reports", body, "expenses"), FinancePages.StatusFor(errors, null));
    }

    /// <summary>The report page; <paramref name="state"/> carries a form as entered, its errors or a message.</summary>
    internal static async Task<IResult> ReportAsync(PageContext page, ExpenseReportStore reports, ExpenseLineStore lines, ProjectStore projects, long id,
        ReportPageState state)
    {
        var cancel = page.Http.RequestAborted;
        var report = await reports.GetAsync(page.Tenant, id, cancel) ?? throw new FinanceNotFoundException($"No expense report {id}.");
        var items = await lines.ListAsync(page.Tenant, id, cancel);
        var editable = ExpenseReportStates.LinesEditable(report.State);
        var changeable = ExpenseReportStates.Deletable(report.State);
        var currency = report.Currency;
        var codes = editable ? await lines.AtcCodesAsync(page.Tenant, cancel) : null;
        var choices = changeable ? await projects.ListAsync(page.Tenant, cancel) : [];
        var rows = items.Select(l => Html.Of($"""
            <tr data-testid="line-row">
              <td>{Date(l.LineDate)}</td>
              <td>{l.Description}{Html.When(l.VendorName is not null || l.VendorTin is not null, Html.Of($"<br><small class=\"muted\">{l.VendorName} {l.VendorTin}</small>"))}</td>
              <td>{ExpenseCategories.Label(l.Category)}</td>
              <td class="num">{Money(l.GrossAmount, currency)}</td>
              <td class="num">{Money(l.VatAmount, currency)}</td>
              <td>{l.AtcCode}</td>
              <td class="num">{Percent(l.WithholdingRate)}%</td>
              <td class="num" data-testid="line-withholding">{Money(l.WithholdingAmount, currency)}</td>
              <td class="num" data-testid="line-net">{Money(l.NetAmount, currency)}</td>
              <td>{Html.When(editable, Html.Of($"""
                <a href="/finance/expenses/{id}/lines/{l.Id}" data-testid="line-edit">Edit</a>
                {PostButton(page, $"/finance/expenses/{id}/lines/{l.Id}/delete", "Delete", "line-delete")}
                """))}</td>
            </tr>
            """));
        var table = items.Count == 0
            ? Html.Of($"<p class=\"muted\" data-testid=\"lines-empty\">No line yet.</p>")
            : Html.Of($"""
                <div class="table-wrap"><table data-testid="lines-table">
                  <thead><tr><th>Date</th><th>Description</th><th>Category</th><th class="num">Gross</th><th class="num">VAT</th><th>ATC</th>
                  <th class="num">Rate</th><th class="num">Withholding</th><th class="num">Net</th><th></th></tr></thead>
                  <tbody>{rows}</tbody>
                  <tfoot><tr><td colspan="3">Total ({items.Count} line(s))</td>
                    <td class="num" data-testid="total-gross">{Money(report.TotalGross, currency)}</td>
                    <td class="num" data-testid="total-vat">{Money(report.TotalVat, currency)}</td>
                    <td></td><td></td>
                    <td class="num" data-testid="total-withholding">{Money(report.TotalWithholding, currency)}</td>
                    <td class="num" data-testid="total-net">{Money(report.TotalNet, currency)}</td><td></td></tr></tfoot>
                </table></div>
                """);
        var moves = ExpenseReportStates.Next(report.State)
            .Select(next => PostButton(page, $"/finance/expenses/{id}/state", ExpenseReportStates.Action(next), $"state-{next}",
                next == ExpenseReportStates.Rejected ? "danger" : "primary", ("state", next)));
        var lineForm = Html.When(editable, Html.Of($"""
            <h2>Add a line</h2>
            <form class="card" method="post" action="/finance/expenses/{id}/lines" data-testid="line-form">
              {page.FormToken()}
              {ExpenseLinePages.Fields(state.Line, codes, state.LineErrors)}
              <div class="actions"><button type="submit" class="primary" data-testid="line-submit">Add line</button></div>
            </form>
            """));
        var reportForm = Html.When(changeable, Html.Of($"""
            <h2>Edit report</h2>
            <form class="card" method="post" action="/finance/expenses/{id}" data-testid="report-form">
              {page.FormToken()}
              {ReportFields(state.Report ?? new ExpenseReportForm(report.ProjectId.ToString(System.Globalization.CultureInfo.InvariantCulture), report.EmployeeName,
                  Date(report.ReportDate), Month(report.Period), report.Notes), choices, state.ReportErrors)}
              <div class="actions"><button type="submit" class="primary" data-testid="report-save">Save report</button></div>
            </form>
            {PostButton(page, $"/finance/expenses/{id}/delete", "Delete report", "report-delete")}
            """));
        var body = Html.Of($"""
            {Notice(state.Notice)}
            {Alert(state.Alert)}
            <div class="card" data-testid="report-summary">
              <p><strong>{report.ProjectCode}</strong> · {report.ProjectName}</p>
              <p>{report.EmployeeName} · period {Month(report.Period)} · reported {Date(report.ReportDate)} · {Badge(report.State)}</p>
              {Html.When(report.Notes is not null, Html.Of($"<p class=\"muted\">{report.Notes}</p>"))}
              <div class="actions">{moves}</div>
            </div>
            {table}
            {Html.When(!editable, Html.Of($"<p class=\"muted\">Lines change only while the report is a draft.</p>"))}
            {lineForm}
            {reportForm}
            <p><a href="/finance/expenses">All expense reports</a></p>
            """);
        return HtmlResults.Page(Layout.Page(page, $"Expense report {Month(report.Period)} · {report.EmployeeName}", body, "expenses"), state.Status);
    }

    private static Html ReportFields(ExpenseReportForm? values, IReadOnlyList<ProjectBudget> projects, IReadOnlyList<ValidationError>? errors) => Html.Of($"""
        {FormFields.Errors(errors, "project_id", "employee_name", "report_date", "period", "notes")}
        <div class="form-grid">
          {Select("project_id", "Project", projects.Select(p => (p.ProjectId.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{p.ProjectCode} · {p.ProjectName}")),
              values?.ProjectId ?? (projects.Count == 1 ? projects[0].ProjectId.ToString(System.Globalization.CultureInfo.InvariantCulture) : null), errors, empty: "Choose…")}
          {FormFields.Field("employee_name", "Employee", values?.EmployeeName, errors, required: true)}
          {FormFields.Field("period", "Period (month)", values?.Period, errors, type: "month", required: true, hint: "e.g. 2025-06")}
          {FormFields.Field("report_date", "Report date", values?.ReportDate, errors, type: "date", hint: "Empty: today")}
          {FormFields.Field("notes", "Notes", values?.Notes, errors)}
        </div>
        """);
}
