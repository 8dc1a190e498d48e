using Dapper;
using Npgsql;

namespace InsightPulse.Bench;

/// <summary>
/// The query every bench endpoint runs: every project's budget status, by project code. Names are unqualified:
/// the caller's connection decides the schema (the tenant's unit of work sets its search path; the fixed and shared
/// pools have it in their connection strings). <see cref="Sql"/> reads the rows the schema (and the tenant context)
/// lets it see; <see cref="SharedSql"/> one tenant's rows of a schema every tenant shares, chosen by the caller.
/// </summary>
public static class ProjectBudgetQuery
{
    private const string Select = """
        SELECT project_id AS ProjectId, agency_id AS AgencyId, project_code AS ProjectCode, project_name AS ProjectName,
               client_name AS ClientName, state AS State, currency AS Currency, budget_amount AS BudgetAmount,
               total_gross_spent AS TotalGrossSpent, total_vat AS TotalVat, total_withholding AS TotalWithholding,
               total_net_payable AS TotalNetPayable, total_gross_pending AS TotalGrossPending,
               remaining_budget AS RemainingBudget, percent_used AS PercentUsed
        FROM ppm_project_budget_status
        """;

    public const string Sql = Select + "\nORDER BY project_code";

    /// <summary>The single-database application's query: its tenant by an explicit <c>WHERE tenant_id = @tenant</c>.</summary>
    public const string SharedSql = Select + "\nWHERE tenant_id = @tenant\nORDER BY project_code";

    /// <summary>Runs <see cref="Sql"/> on an open connection of the fixed path.</summary>
    public static async Task<IReadOnlyList<ProjectBudgetRow>> ReadAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var rows = await connection.QueryAsync<ProjectBudgetRow>(new CommandDefinition(Sql, cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>Runs <see cref="SharedSql"/> for <paramref name="tenant"/> on an open connection of the shared path.</summary>
    public static async Task<IReadOnlyList<ProjectBudgetRow>> ReadSharedAsync(NpgsqlConnection connection, string tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var rows = await connection.QueryAsync<ProjectBudgetRow>(new CommandDefinition(SharedSql, new { tenant }, cancellationToken: cancellationToken));
        return rows.AsList();
    }
}
