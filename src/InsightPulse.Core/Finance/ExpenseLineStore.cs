using Dapper;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using static InsightPulse.Core.Finance.FinanceSql;

namespace InsightPulse.Core.Finance;

/// <summary>
/// The lines of an expense report (<c>ppm_expense_line</c>). Lines change only on a draft report; the withholding
/// is computed here (<see cref="FinanceValidation.Withholding"/>) exactly as the table's CHECK expects it.
/// </summary>
public sealed class ExpenseLineStore(TenantDataAccess data)
{
    private const string Columns = """
        id, report_id AS ReportId, line_date AS LineDate, description, vendor_name AS VendorName, vendor_tin AS VendorTin, category,
        gross_amount AS GrossAmount, vat_amount AS VatAmount, atc_code AS AtcCode, withholding_rate AS WithholdingRate,
        withholding_amount AS WithholdingAmount, net_amount AS NetAmount
        """;

    public async Task<IReadOnlyList<ExpenseLine>> ListAsync(Tenant tenant, long reportId, CancellationToken cancellationToken)
    {
        return await data.ReadAsync<ExpenseLine>(tenant, TenantStore.Schema,
            $"SELECT {Columns} FROM ppm_expense_line WHERE report_id = @reportId ORDER BY line_date, id", new { reportId }, cancellationToken);
    }

    public async Task<ExpenseLine?> GetAsync(Tenant tenant, long reportId, long id, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        return await work.Connection.QuerySingleOrDefaultAsync<ExpenseLine>(Command(work,
            $"SELECT {Columns} FROM ppm_expense_line WHERE report_id = @reportId AND id = @id", new { reportId, id }, cancellationToken));
    }

    /// <summary>The tenant's BIR ATC codes (the tbwa databank's <c>bir_atc_code</c>), or null when its schema has no such table.</summary>
    public async Task<IReadOnlyList<AtcCode>?> AtcCodesAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        return await AtcCodesAsync(work, cancellationToken);
    }

    public async Task<ExpenseLine> AddAsync(Tenant tenant, long reportId, ExpenseLineForm form, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        var input = await ValidateAsync(work, reportId, form, cancellationToken);
        var line = await work.Connection.QuerySingleAsync<ExpenseLine>(Command(work, $"""
            INSERT INTO ppm_expense_line (report_id, line_date, description, vendor_name, vendor_tin, category, gross_amount, vat_amount,
                atc_code, withholding_rate, withholding_amount)
            VALUES (@reportId, CAST(@LineDate AS date), @Description, @VendorName, @VendorTin, @Category, @GrossAmount, @VatAmount,
                @AtcCode, @WithholdingRate, @WithholdingAmount)
            RETURNING {Columns}
            """, Parameters(input, reportId, 0), cancellationToken));
        await work.CommitAsync(cancellationToken);
        return line;
    }

    public async Task<ExpenseLine> UpdateAsync(Tenant tenant, long reportId, long id, ExpenseLineForm form, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        var input = await ValidateAsync(work, reportId, form, cancellationToken);
        var line = await work.Connection.QuerySingleOrDefaultAsync<ExpenseLine>(Command(work, $"""
            UPDATE ppm_expense_line SET line_date = CAST(@LineDate AS date), description = @Description, vendor_name = @VendorName,
                vendor_tin = @VendorTin, category = @Category, gross_amount = @GrossAmount, vat_amount = @VatAmount, atc_code = @AtcCode,
                withholding_rate = @WithholdingRate, withholding_amount = @WithholdingAmount, write_date = now()
            WHERE report_id = @reportId AND id = @id
            RETURNING {Columns}
            """, Parameters(input, reportId, id), cancellationToken)) ?? throw new FinanceNotFoundException($"There is no line {id} on this report.");
        await work.CommitAsync(cancellationToken);
        return line;
    }

    public async Task DeleteAsync(Tenant tenant, long reportId, long id, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        await RequireDraftAsync(work, reportId, cancellationToken);
        var deleted = await work.Connection.ExecuteAsync(Command(work, "DELETE FROM ppm_expense_line WHERE report_id = @reportId AND id = @id", new { reportId, id }, cancellationToken));
        if (deleted == 0) throw new FinanceNotFoundException($"There is no line {id} on this report.");
        await work.CommitAsync(cancellationToken);
    }

    private static async Task<ExpenseLineInput> ValidateAsync(TenantUnitOfWork work, long reportId, ExpenseLineForm form, CancellationToken cancellationToken)
    {
        await RequireDraftAsync(work, reportId, cancellationToken);
        var codes = await AtcCodesAsync(work, cancellationToken);
        var rates = codes?.ToDictionary(c => c.Code, c => c.Rate, StringComparer.Ordinal);
        FieldValidationException.ThrowIfAny(FinanceValidation.Line(form, rates, out var input));
        return input!;
    }

    private static async Task RequireDraftAsync(TenantUnitOfWork work, long reportId, CancellationToken cancellationToken)
    {
        var state = await ExpenseReportStore.LockAsync(work, reportId, cancellationToken);
        if (!ExpenseReportStates.LinesEditable(state))
        {
            throw new FinanceConflictException($"This report is {state}: lines change only while it is a draft (a rejected report can be reopened as a draft).");
        }
    }

    /// <summary>The ATC codes in the unit of work's tenant schema (active ones), or null when it has no such table; the demo reads its rates here too.</summary>
    internal static async Task<IReadOnlyList<AtcCode>?> AtcCodesAsync(TenantUnitOfWork work, CancellationToken cancellationToken)
    {
        // Resolved in the tenant's schema only (the search path): another tenant's table is never found.
        var exists = await work.Connection.QuerySingleAsync<bool>(Command(work, "SELECT to_regclass('bir_atc_code') IS NOT NULL", null, cancellationToken));
        if (!exists) return null;
        return (await work.Connection.QueryAsync<AtcCode>(Command(work,
            "SELECT atc_code AS Code, description, rate FROM bir_atc_code WHERE active ORDER BY atc_code", null, cancellationToken))).ToList();
    }

    private static object Parameters(ExpenseLineInput input, long reportId, long id) => new
    {
        reportId, id, input.LineDate, input.Description, input.VendorName, input.VendorTin, input.Category, input.GrossAmount, input.VatAmount,
        input.AtcCode, input.WithholdingRate, input.WithholdingAmount,
    };
}
