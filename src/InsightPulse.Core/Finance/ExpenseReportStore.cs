using Dapper;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Npgsql;
using static InsightPulse.Core.Finance.FinanceSql;

namespace InsightPulse.Core.Finance;

/// <summary>A tenant's expense reports (<c>ppm_expense_report</c>) with the totals of their lines, and their state changes.</summary>
public sealed class ExpenseReportStore(TenantDataAccess data, TimeProvider time)
{
    private const string Query = """
        SELECT r.id, r.project_id AS ProjectId, p.code AS ProjectCode, p.name AS ProjectName, p.currency::text AS Currency,
               r.employee_name AS EmployeeName, r.report_date AS ReportDate, r.period, r.state, r.notes,
               count(l.id) AS LineCount,
               coalesce(sum(l.gross_amount), 0) AS TotalGross, coalesce(sum(l.vat_amount), 0) AS TotalVat,
               coalesce(sum(l.withholding_amount), 0) AS TotalWithholding, coalesce(sum(l.net_amount), 0) AS TotalNet
        FROM ppm_expense_report r
        JOIN ppm_project p ON p.tenant_id = r.tenant_id AND p.id = r.project_id
        LEFT JOIN ppm_expense_line l ON l.tenant_id = r.tenant_id AND l.report_id = r.id
        """;

    /// <summary>Every report, newest period first.</summary>
    public async Task<IReadOnlyList<ExpenseReport>> ListAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        return await data.ReadAsync<ExpenseReport>(tenant, TenantStore.Schema,
            Query + " GROUP BY r.id, p.id ORDER BY r.period DESC, r.report_date DESC, r.id DESC", null, cancellationToken);
    }

    public async Task<ExpenseReport?> GetAsync(Tenant tenant, long id, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        return await GetAsync(work, id, cancellationToken);
    }

    public async Task<ExpenseReport> CreateAsync(Tenant tenant, ExpenseReportForm form, CancellationToken cancellationToken)
    {
        FieldValidationException.ThrowIfAny(FinanceValidation.Report(form, Today(), out var input));
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        try
        {
            var id = await work.Connection.QuerySingleAsync<long>(Command(work, """
                INSERT INTO ppm_expense_report (project_id, employee_name, report_date, period, notes)
                VALUES (@ProjectId, @EmployeeName, CAST(@ReportDate AS date), CAST(@Period AS date), @Notes) RETURNING id
                """, input!, cancellationToken));
            var report = (await GetAsync(work, id, cancellationToken))!;
            await work.CommitAsync(cancellationToken);
            return report;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw NoSuchProject();
        }
        catch (PostgresException e) when (Translate(e, new Dictionary<string, (string, string)>()) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Changes a draft or rejected report's project, employee, dates or notes.</summary>
    public async Task<ExpenseReport> UpdateAsync(Tenant tenant, long id, ExpenseReportForm form, CancellationToken cancellationToken)
    {
        FieldValidationException.ThrowIfAny(FinanceValidation.Report(form, Today(), out var input));
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        var state = await LockAsync(work, id, cancellationToken);
        if (!ExpenseReportStates.Deletable(state))
        {
            throw new FinanceConflictException($"This report is {state}: only a draft or rejected report can be changed.");
        }
        try
        {
            await work.Connection.ExecuteAsync(Command(work, """
                UPDATE ppm_expense_report SET project_id = @ProjectId, employee_name = @EmployeeName, report_date = CAST(@ReportDate AS date),
                    period = CAST(@Period AS date), notes = @Notes, write_date = now()
                WHERE id = @Id
                """, new { input!.ProjectId, input.EmployeeName, input.ReportDate, input.Period, input.Notes, Id = id }, cancellationToken));
            var report = (await GetAsync(work, id, cancellationToken))!;
            await work.CommitAsync(cancellationToken);
            return report;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw NoSuchProject();
        }
    }

    /// <summary>Moves a report to <paramref name="state"/> when <see cref="ExpenseReportStates.CanMove"/> allows it; a report is submitted with at least one line.</summary>
    public async Task<ExpenseReport> MoveAsync(Tenant tenant, long id, string? state, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        var current = await LockAsync(work, id, cancellationToken);
        if (state is null || !ExpenseReportStates.CanMove(current, state))
        {
            var next = ExpenseReportStates.Next(current);
            throw new FinanceConflictException(next.Count == 0
                ? $"This report is {current}: it does not change state any more."
                : $"A {current} report can only become {string.Join(" or ", next)}.");
        }
        var report = (await GetAsync(work, id, cancellationToken))!;
        if (state == ExpenseReportStates.Submitted && report.LineCount == 0)
        {
            throw new FinanceConflictException("This report has no lines: add its expenses before submitting it.");
        }
        await work.Connection.ExecuteAsync(Command(work, "UPDATE ppm_expense_report SET state = @state, write_date = now() WHERE id = @id", new { id, state }, cancellationToken));
        await work.CommitAsync(cancellationToken);
        return report with { State = state };
    }

    /// <summary>Deletes a draft or rejected report with its lines.</summary>
    public async Task DeleteAsync(Tenant tenant, long id, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        var state = await LockAsync(work, id, cancellationToken);
        if (!ExpenseReportStates.Deletable(state))
        {
            throw new FinanceConflictException($"This report is {state}: only a draft or rejected report can be deleted.");
        }
        await work.Connection.ExecuteAsync(Command(work, "DELETE FROM ppm_expense_report WHERE id = @id", new { id }, cancellationToken));
        await work.CommitAsync(cancellationToken);
    }

    /// <summary>The report's state, its row locked until the unit of work ends.</summary>
    internal static async Task<string> LockAsync(TenantUnitOfWork work, long id, CancellationToken cancellationToken) =>
        await work.Connection.QuerySingleOrDefaultAsync<string>(Command(work, "SELECT state FROM ppm_expense_report WHERE id = @id FOR UPDATE", new { id }, cancellationToken))
        ?? throw new FinanceNotFoundException($"There is no expense report {id}.");

    private static async Task<ExpenseReport?> GetAsync(TenantUnitOfWork work, long id, CancellationToken cancellationToken) =>
        await work.Connection.QuerySingleOrDefaultAsync<ExpenseReport>(Command(work, Query + " WHERE r.id = @id GROUP BY r.id, p.id", new { id }, cancellationToken));

    private DateTime Today() => time.GetUtcNow().UtcDateTime.Date;

    private static FieldValidationException NoSuchProject() =>
        new([new ValidationError("project_id", "Choose one of this tenant's projects.")]);
}
