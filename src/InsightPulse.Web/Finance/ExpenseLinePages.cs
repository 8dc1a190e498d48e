using System.Globalization;
using InsightPulse.Core.Finance;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Markup;
using InsightPulse.Web.Pages;
using static InsightPulse.Web.Finance.FinanceMarkup;

namespace InsightPulse.Web.Finance;

/// <summary>
/// The lines of a report: add (<c>POST /finance/expenses/{id}/lines</c>), edit (<c>/finance/expenses/{id}/lines/{lineId}</c>)
/// and delete. The withholding is computed on the server from gross, VAT and rate; the form never sends it.
/// </summary>
internal static class ExpenseLinePages
{
    public static void MapExpenseLinePages(this RouteGroupBuilder group)
    {
        group.MapPost("/expenses/{id:long}/lines", async (PageContext page, ExpenseReportStore reports, ExpenseLineStore lines, ProjectStore projects, long id, IFormCollection form) =>
        {
            var entered = Read(form);
            try
            {
                await lines.AddAsync(page.Tenant, id, entered, page.Http.RequestAborted);
                return Results.Redirect($"/finance/expenses/{id}?saved=line");
            }
            catch (FieldValidationException e)
            {
                return await ExpenseReportPages.ReportAsync(page, reports, lines, projects, id, new ReportPageState(Line: entered, LineErrors: e.Errors));
            }
            catch (FinanceConflictException e)
            {
                return await ExpenseReportPages.ReportAsync(page, reports, lines, projects, id, new ReportPageState(Alert: e.Message));
            }
        });
        group.MapGet("/expenses/{id:long}/lines/{lineId:long}", async (PageContext page, ExpenseLineStore lines, long id, long lineId) =>
            await EditAsync(page, lines, id, lineId, null, null, null));
        group.MapPost("/expenses/{id:long}/lines/{lineId:long}", async (PageContext page, ExpenseLineStore lines, long id, long lineId, IFormCollection form) =>
        {
            var entered = Read(form);
            try
            {
                await lines.UpdateAsync(page.Tenant, id, lineId, entered, page.Http.RequestAborted);
                return Results.Redirect($"/finance/expenses/{id}?saved=line");
            }
            catch (FieldValidationException e)
            {
                return await EditAsync(page, lines, id, lineId, entered, e.Errors, null);
            }
            catch (FinanceConflictException e)
            {
                return await EditAsync(page, lines, id, lineId, entered, null, e.Message);
            }
        });
        group.MapPost("/expenses/{id:long}/lines/{lineId:long}/delete", async (PageContext page, ExpenseReportStore reports, ExpenseLineStore lines, ProjectStore projects, long id, long lineId, IFormCollection form) =>
        {
            try
            {
                await lines.DeleteAsync(page.Tenant, id, lineId, page.Http.RequestAborted);
                return Results.Redirect($"/finance/expenses/{id}?saved=deleted-line");
            }
            catch (FinanceConflictException e)
            {
                return await ExpenseReportPages.ReportAsync(page, reports, lines, projects, id, new ReportPageState(Alert: e.Message));
            }
        });
    }

    private static ExpenseLineForm Read(IFormCollection form) => new(
        form["line_date"].ToString(), form["description"].ToString(), form["vendor_name"].ToString(), form["vendor_tin"].ToString(),
        form["category"].ToString(), form["gross_amount"].ToString(), form["vat_amount"].ToString(), form["atc_code"].ToString(), form["withholding_rate"].ToString());

    private static async Task<IResult> EditAsync(PageContext page, ExpenseLineStore lines, long id, long lineId, ExpenseLineForm? entered,
        IReadOnlyList<ValidationError>? errors, string? alert)
    {
        var cancel = page.Http.RequestAborted;
        var line = await lines.GetAsync(page.Tenant, id, lineId, cancel) ?? throw new FinanceNotFoundException($"No line {lineId} on report {id}.");
        var codes = await lines.AtcCodesAsync(page.Tenant, cancel);
        var values = entered ?? new ExpenseLineForm(Date(line.LineDate), line.Description, line.VendorName, line.VendorTin, line.Category,
            line.GrossAmount.ToString("0.00", CultureInfo.InvariantCulture), line.VatAmount.ToString("0.00", CultureInfo.InvariantCulture),
            line.AtcCode, Percent(line.WithholdingRate));
        var body = Html.Of($"""
            {Alert(alert)}
            <p class="muted">Withholding now: {Money(line.WithholdingAmount)} on {Money(line.GrossAmount - line.VatAmount)} net of VAT; net paid {Money(line.NetAmount)}.</p>
            <form class="card" method="post" action="/finance/expenses/{id}/lines/{lineId}" data-testid="line-form">
              {page.FormToken()}
              {Fields(values, codes, errors)}
              <div class="actions">
                <button type="submit" class="primary" data-testid="line-submit">Save line</button>
                <a class="button secondary" href="/finance/expenses/{id}">Cancel</a>
              </div>
            </form>
            """);
        return HtmlResults.Page(Layout.Page(page, "Expense line", body, "expenses"), FinancePages.StatusFor(errors, alert));
    }

    /// <summary>The line fields; the ATC code is a select of the tenant's BIR ATC table when it has one, else typed.</summary>
    internal static Html Fields(ExpenseLineForm? values, IReadOnlyList<AtcCode>? codes, IReadOnlyList<ValidationError>? errors)
    {
        var atc = codes is null
            ? FormFields.Field("atc_code", "ATC code", values?.AtcCode, errors, hint: "BIR code of the withholding, e.g. WC158; empty: none", extra: "maxlength=\"5\"")
            : Select("atc_code", "ATC code", codes.Select(c => (c.Code, $"{c.Code} · {Percent(c.Rate)}% · {Short(c.Description)}")), values?.AtcCode?.Trim().ToUpperInvariant(),
                errors, empty: "No withholding");
        return Html.Of($"""
            {FormFields.Errors(errors, "line_date", "description", "vendor_name", "vendor_tin", "category", "gross_amount", "vat_amount", "atc_code", "withholding_rate")}
            <div class="form-grid">
              {FormFields.Field("line_date", "Date", values?.LineDate, errors, type: "date", required: true)}
              {FormFields.Field("description", "Description", values?.Description, errors, required: true)}
              {FormFields.Field("vendor_name", "Vendor", values?.VendorName, errors)}
              {FormFields.Field("vendor_tin", "Vendor TIN", values?.VendorTin, errors, hint: "000-000-000 or 000-000-000-000", extra: "inputmode=\"numeric\"")}
              {Select("category", "Category", ExpenseCategories.All.Select(c => (c.Code, c.Label)), values?.Category ?? "other", errors)}
              {FormFields.Field("gross_amount", "Gross amount (₱)", values?.Gross, errors, required: true, extra: "inputmode=\"decimal\"")}
              {FormFields.Field("vat_amount", "VAT (₱)", values?.Vat, errors, hint: "Empty: 0", extra: "inputmode=\"decimal\"")}
              {atc}
              {FormFields.Field("withholding_rate", "Withholding rate (%)", values?.RatePercent, errors,
                  hint: codes is null ? "0 to 35, e.g. 2" : "0 to 35; empty: the ATC code's rate", extra: "inputmode=\"decimal\"")}
            </div>
            <p class="muted">Withholding = (gross − VAT) × rate, rounded to the centavo; it is computed when you save.</p>
            """);
    }

    private static string Short(string text) => text.Length <= 60 ? text : text[..57] + "…";
}
