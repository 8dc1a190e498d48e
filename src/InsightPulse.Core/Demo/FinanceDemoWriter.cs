using Dapper;
using InsightPulse.Core.Isolation;

namespace InsightPulse.Core.Demo;

/// <summary>
/// Writes and deletes the finance demo inside a tenant's unit of work (as the runtime role, under row-level security):
/// one statement per table, each row's values travelling as one array per column. The CHECK constraints of
/// <c>ipai_finance_ppm</c> apply as to any insert; the withholding was computed as they expect
/// (<see cref="Finance.ExpenseLineInput.WithholdingAmount"/>).
/// </summary>
/// <remarks>
/// Demo rows are recognised as follows. Agencies and projects: their code starts with <see cref="DemoData.Marker"/>.
/// Reports and lines have no code: they are the demo's when they were created together with their DEMO- project, i.e.
/// in the load's transaction (the same <c>create_date</c>, which is <c>now()</c>, the transaction's start). A report or
/// line an operator adds later is theirs: it stays, and so do the demo report, project and agency above it.
/// </remarks>
internal static class FinanceDemoWriter
{
    public static async Task<DemoCounts> InsertAsync(TenantUnitOfWork work, FinanceDemoSet set, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(set);
        var agencies = await work.Connection.ExecuteAsync(Command(work, """
            INSERT INTO ppm_agency (code, name, tin, registered_address)
            SELECT * FROM unnest(@codes::text[], @names::text[], @tins::text[], @addresses::text[])
            """, new
        {
            codes = set.Agencies.Select(a => a.Code).ToArray(),
            names = set.Agencies.Select(a => a.Name).ToArray(),
            tins = set.Agencies.Select(a => a.Tin).ToArray(),
            addresses = set.Agencies.Select(a => a.RegisteredAddress).ToArray(),
        }, cancellationToken));

        var projectIds = (await work.Connection.QueryAsync<(long Id, string Code)>(Command(work, """
            INSERT INTO ppm_project (agency_id, code, name, client_name, budget_amount, currency, start_date, end_date, state)
            SELECT a.id, v.code, v.name, v.client_name, v.budget_amount, 'PHP', v.start_date, v.end_date, v.state
            FROM unnest(@agencyCodes::text[], @codes::text[], @names::text[], @clients::text[], @budgets::numeric[],
                        @starts::date[], @ends::date[], @states::text[])
                AS v (agency_code, code, name, client_name, budget_amount, start_date, end_date, state)
            JOIN ppm_agency a ON a.code = v.agency_code
            RETURNING id, code
            """, new
        {
            agencyCodes = set.Projects.Select(p => p.AgencyCode).ToArray(),
            codes = set.Projects.Select(p => p.Code).ToArray(),
            names = set.Projects.Select(p => p.Name).ToArray(),
            clients = set.Projects.Select(p => p.ClientName).ToArray(),
            budgets = set.Projects.Select(p => p.BudgetAmount).ToArray(),
            starts = set.Projects.Select(p => p.StartDate.ToDateTime(TimeOnly.MinValue)).ToArray(),
            ends = set.Projects.Select(p => p.EndDate.ToDateTime(TimeOnly.MinValue)).ToArray(),
            states = set.Projects.Select(p => p.State).ToArray(),
        }, cancellationToken))).ToDictionary(p => p.Code, p => p.Id, StringComparer.Ordinal);

        var reportIds = (await work.Connection.QueryAsync<(long Id, long ProjectId, DateTime Period, string EmployeeName)>(Command(work, """
            INSERT INTO ppm_expense_report (project_id, employee_name, report_date, period, state, notes)
            SELECT * FROM unnest(@projects::bigint[], @employees::text[], @dates::date[], @periods::date[], @states::text[], @notes::text[])
            RETURNING id, project_id, period::timestamp, employee_name
            """, new
        {
            projects = set.Reports.Select(r => projectIds[r.ProjectCode]).ToArray(),
            employees = set.Reports.Select(r => r.EmployeeName).ToArray(),
            dates = set.Reports.Select(r => r.ReportDate.ToDateTime(TimeOnly.MinValue)).ToArray(),
            periods = set.Reports.Select(r => r.Period.ToDateTime(TimeOnly.MinValue)).ToArray(),
            states = set.Reports.Select(r => r.State).ToArray(),
            notes = set.Reports.Select(r => r.Notes).ToArray(),
        }, cancellationToken))).ToDictionary(r => (r.ProjectId, DateOnly.FromDateTime(r.Period), r.EmployeeName));

        var lines = set.Reports.SelectMany(r => r.Lines.Select(l => (Report: reportIds[(projectIds[r.ProjectCode], r.Period, r.EmployeeName)].Id, Line: l))).ToList();
        var written = await work.Connection.ExecuteAsync(Command(work, """
            INSERT INTO ppm_expense_line (report_id, line_date, description, vendor_name, vendor_tin, category, gross_amount, vat_amount,
                atc_code, withholding_rate, withholding_amount)
            SELECT * FROM unnest(@reports::bigint[], @dates::date[], @descriptions::text[], @vendors::text[], @tins::text[], @categories::text[],
                @gross::numeric[], @vat::numeric[], @atc::text[], @rates::numeric[], @withholding::numeric[])
            """, new
        {
            reports = lines.Select(l => l.Report).ToArray(),
            dates = lines.Select(l => l.Line.LineDate).ToArray(),
            descriptions = lines.Select(l => l.Line.Description).ToArray(),
            vendors = lines.Select(l => l.Line.VendorName).ToArray(),
            tins = lines.Select(l => l.Line.VendorTin).ToArray(),
            categories = lines.Select(l => l.Line.Category).ToArray(),
            gross = lines.Select(l => l.Line.GrossAmount).ToArray(),
            vat = lines.Select(l => l.Line.VatAmount).ToArray(),
            atc = lines.Select(l => l.Line.AtcCode).ToArray(),
            rates = lines.Select(l => l.Line.WithholdingRate).ToArray(),
            withholding = lines.Select(l => l.Line.WithholdingAmount).ToArray(),
        }, cancellationToken));
        return DemoCounts.None with { Agencies = agencies, Projects = projectIds.Count, ExpenseReports = reportIds.Count, ExpenseLines = written };
    }

    /// <summary>
    /// Deletes the demo's finance rows (see the remarks above) and returns what it deleted and the codes of the demo
    /// projects and agencies it kept because an operator's report or project still uses them.
    /// </summary>
    public static async Task<(DemoCounts Deleted, IReadOnlyList<string> Kept)> DeleteAsync(TenantUnitOfWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        var marker = DemoData.Marker;
        var reports = (await work.Connection.QueryAsync<long>(Command(work, """
            SELECT r.id
            FROM ppm_expense_report r
            JOIN ppm_project p ON p.tenant_id = r.tenant_id AND p.id = r.project_id
            WHERE starts_with(p.code, @marker) AND r.create_date = p.create_date
              AND NOT EXISTS (SELECT 1 FROM ppm_expense_line l
                              WHERE l.tenant_id = r.tenant_id AND l.report_id = r.id AND l.create_date <> p.create_date)
            """, new { marker }, cancellationToken))).ToArray();
        var lines = await work.Connection.ExecuteAsync(Command(work, "DELETE FROM ppm_expense_line WHERE report_id = ANY(@reports)", new { reports }, cancellationToken));
        var deletedReports = await work.Connection.ExecuteAsync(Command(work, "DELETE FROM ppm_expense_report WHERE id = ANY(@reports)", new { reports }, cancellationToken));
        var projects = await work.Connection.ExecuteAsync(Command(work, """
            DELETE FROM ppm_project p
            WHERE starts_with(p.code, @marker)
              AND NOT EXISTS (SELECT 1 FROM ppm_expense_report r WHERE r.tenant_id = p.tenant_id AND r.project_id = p.id)
            """, new { marker }, cancellationToken));
        var agencies = await work.Connection.ExecuteAsync(Command(work, """
            DELETE FROM ppm_agency a
            WHERE starts_with(a.code, @marker)
              AND NOT EXISTS (SELECT 1 FROM ppm_project p WHERE p.tenant_id = a.tenant_id AND p.agency_id = a.id)
            """, new { marker }, cancellationToken));
        var kept = (await work.Connection.QueryAsync<string>(Command(work, """
            SELECT code FROM ppm_project WHERE starts_with(code, @marker)
            UNION ALL
            SELECT code FROM ppm_agency WHERE starts_with(code, @marker)
            ORDER BY 1
            """, new { marker }, cancellationToken))).ToList();
        return (DemoCounts.None with { Agencies = agencies, Projects = projects, ExpenseReports = deletedReports, ExpenseLines = lines }, kept);
    }

    private static CommandDefinition Command(TenantUnitOfWork work, string sql, object? parameters, CancellationToken cancellationToken) =>
        new(sql, parameters, work.Transaction, cancellationToken: cancellationToken);
}
