using Dapper;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Npgsql;
using static InsightPulse.Core.Finance.FinanceSql;

namespace InsightPulse.Core.Finance;

/// <summary>A tenant's projects (<c>ppm_project</c>) and their budget status (<c>ppm_project_budget_status</c>).</summary>
public sealed class ProjectStore(TenantDataAccess data)
{
    private const string Columns = """
        id, agency_id AS AgencyId, code, name, client_name AS ClientName, budget_amount AS BudgetAmount, currency::text AS Currency,
        start_date AS StartDate, end_date AS EndDate, state
        """;

    private const string BudgetQuery = """
        SELECT s.project_id AS ProjectId, s.agency_id AS AgencyId, a.code AS AgencyCode, s.project_code AS ProjectCode,
               s.project_name AS ProjectName, s.client_name AS ClientName, s.state, s.currency::text AS Currency,
               s.budget_amount AS BudgetAmount, s.total_gross_spent AS TotalGrossSpent, s.total_withholding AS TotalWithholding,
               s.total_net_payable AS TotalNetPayable, s.total_gross_pending AS TotalGrossPending,
               s.remaining_budget AS RemainingBudget, s.percent_used AS PercentUsed
        FROM ppm_project_budget_status s
        JOIN ppm_agency a ON a.tenant_id = s.tenant_id AND a.id = s.agency_id
        """;

    private static readonly Dictionary<string, (string, string)> Uniques = new(StringComparer.Ordinal)
    {
        ["ppm_project_tenant_id_code_key"] = ("code", "A project with this code exists already."),
    };

    /// <summary>Every project with its budget, spent, pending and remaining amounts, by code.</summary>
    public async Task<IReadOnlyList<ProjectBudget>> ListAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        return await data.ReadAsync<ProjectBudget>(tenant, TenantStore.Schema, BudgetQuery + " ORDER BY s.project_code", null, cancellationToken);
    }

    public async Task<Project?> GetAsync(Tenant tenant, long id, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        return await work.Connection.QuerySingleOrDefaultAsync<Project>(Command(work, $"SELECT {Columns} FROM ppm_project WHERE id = @id", new { id }, cancellationToken));
    }

    public async Task<ProjectBudget?> GetBudgetAsync(Tenant tenant, long id, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        return await work.Connection.QuerySingleOrDefaultAsync<ProjectBudget>(Command(work, BudgetQuery + " WHERE s.project_id = @id", new { id }, cancellationToken));
    }

    public async Task<Project> CreateAsync(Tenant tenant, ProjectForm form, CancellationToken cancellationToken)
    {
        FieldValidationException.ThrowIfAny(FinanceValidation.Project(form, out var input));
        return await WriteAsync(tenant, $"""
            INSERT INTO ppm_project (agency_id, code, name, client_name, budget_amount, currency, start_date, end_date, state)
            VALUES (@AgencyId, @Code, @Name, @ClientName, @BudgetAmount, @Currency, CAST(@StartDate AS date), CAST(@EndDate AS date), @State)
            RETURNING {Columns}
            """, input!, cancellationToken);
    }

    public async Task<Project> UpdateAsync(Tenant tenant, long id, ProjectForm form, CancellationToken cancellationToken)
    {
        FieldValidationException.ThrowIfAny(FinanceValidation.Project(form, out var input));
        return await WriteAsync(tenant, $"""
            UPDATE ppm_project SET agency_id = @AgencyId, code = @Code, name = @Name, client_name = @ClientName, budget_amount = @BudgetAmount,
                currency = @Currency, start_date = CAST(@StartDate AS date), end_date = CAST(@EndDate AS date), state = @State, write_date = now()
            WHERE id = @Id
            RETURNING {Columns}
            """, new { input!.AgencyId, input.Code, input.Name, input.ClientName, input.BudgetAmount, input.Currency, input.StartDate, input.EndDate, input.State, Id = id },
            cancellationToken);
    }

    /// <summary>Deletes a project without expense reports; with reports, says so (<see cref="FinanceConflictException"/>).</summary>
    public Task DeleteAsync(Tenant tenant, long id, CancellationToken cancellationToken) =>
        FinanceSql.DeleteAsync(data, tenant, "DELETE FROM ppm_project WHERE id = @id", id, $"There is no project {id}.",
            "This project still has expense reports: delete them first, or close the project instead.", cancellationToken);

    private async Task<Project> WriteAsync(Tenant tenant, string sql, object parameters, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        try
        {
            var project = await work.Connection.QuerySingleOrDefaultAsync<Project>(Command(work, sql, parameters, cancellationToken))
                ?? throw new FinanceNotFoundException("There is no such project.");
            await work.CommitAsync(cancellationToken);
            return project;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            // The agency is gone, or is another tenant's (the composite key refuses it).
            throw new FieldValidationException([new ValidationError("agency_id", "Choose one of this tenant's agencies.")]);
        }
        catch (PostgresException e) when (Translate(e, Uniques) is { } translated)
        {
            throw translated;
        }
    }
}
