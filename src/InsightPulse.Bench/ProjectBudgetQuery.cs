using Dapper;
using Npgsql;

namespace InsightPulse.Bench;

/// <summary>
/// The one query both bench endpoints run: every project's budget status, by project code. Names are unqualified:
/// the caller's connection decides the schema (the tenant's unit of work sets its search path; the fixed pool has it
/// in its connection string).
/// </summary>
public static class ProjectBudgetQuery
{
    public const string Sql = """
        SELECT project_id AS ProjectId, agency_id AS AgencyId, project_code AS ProjectCode, project_name AS ProjectName,
               client_name AS ClientName, state AS State, currency AS Currency, budget_amount AS BudgetAmount,
               total_gross_spent AS TotalGrossSpent, total_vat AS TotalVat, total_withholding AS TotalWithholding,
               total_net_payable AS TotalNetPayable, total_gross_pending AS TotalGrossPending,
               remaining_budget AS RemainingBudget, percent_used AS PercentUsed
        FROM ppm_project_budget_status
        ORDER BY project_code
        """;

    /// <summary>Runs the query on an open connection of the fixed path.</summary>
    public static async Task<IReadOnlyList<ProjectBudgetRow>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var rows = await connection.QueryAsync<ProjectBudgetRow>(new CommandDefinition(Sql, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
