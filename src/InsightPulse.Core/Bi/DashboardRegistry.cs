using Dapper;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Bi;

/// <summary>
/// The tenant's registry of embedded dashboards (<c>ipai_bi_dashboard</c> in its database, module
/// <c>ipai_bi_superset_embed</c>): which dashboards a user may open (active, and visible to one of the user's groups
/// or to every user when no group is named), and the audit of every access. Read and written as the runtime role in
/// the tenant's unit of work, like any tenant data.
/// </summary>
public sealed class DashboardRegistry(TenantDataAccess data)
{
    private const string Columns =
        "d.id, d.name, d.dashboard_id AS Slug, d.description, d.embed_uuid AS EmbeddedUuid, d.rls_by_company AS RlsByCompany, " +
        "d.rls_by_user AS RlsByUser, d.rls_custom_clause AS RlsCustomClause, d.hide_title AS HideTitle, d.hide_filters AS HideFilters, " +
        "d.hide_chart_controls AS HideChartControls";

    private const string VisibleTo = """
        d.active AND (
            NOT EXISTS (SELECT 1 FROM ipai_bi_dashboard_group_rel r WHERE r.tenant_id = d.tenant_id AND r.dashboard_id = d.id)
            OR EXISTS (
                SELECT 1 FROM ipai_bi_dashboard_group_rel r
                JOIN res_groups_users_rel gu ON gu.tenant_id = r.tenant_id AND gu.group_id = r.group_id
                WHERE r.tenant_id = d.tenant_id AND r.dashboard_id = d.id AND gu.user_id = @userId))
        """;

    /// <summary>The dashboards <paramref name="userId"/> may open, in the registry's order.</summary>
    public Task<IReadOnlyList<RegisteredDashboard>> VisibleAsync(Tenant tenant, long userId, CancellationToken cancellationToken) =>
        data.ReadAsync<RegisteredDashboard>(tenant, TenantStore.Database,
            $"SELECT {Columns} FROM ipai_bi_dashboard d WHERE {VisibleTo} ORDER BY d.sequence, d.name, d.id", new { userId }, cancellationToken);

    /// <summary>One dashboard by its BI id (slug) when <paramref name="userId"/> may open it; null otherwise.</summary>
    public async Task<RegisteredDashboard?> VisibleAsync(Tenant tenant, long userId, string slug, CancellationToken cancellationToken)
    {
        var rows = await data.ReadAsync<RegisteredDashboard>(tenant, TenantStore.Database,
            $"SELECT {Columns} FROM ipai_bi_dashboard d WHERE d.dashboard_id = @slug AND {VisibleTo}", new { userId, slug }, cancellationToken);
        return rows.Count > 0 ? rows[0] : null;
    }

    /// <summary>Writes one access to the audit: who, which dashboard, with which row restriction, from where.</summary>
    public async Task RecordAccessAsync(Tenant tenant, long dashboardId, long userId, string rlsApplied, System.Net.IPAddress? clientAddress, CancellationToken cancellationToken)
    {
        await using var work = await data.BeginAsync(tenant, TenantStore.Database, cancellationToken);
        await work.Connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ipai_bi_dashboard_access (dashboard_id, user_id, rls_applied, client_address) VALUES (@dashboardId, @userId, @rlsApplied, CAST(@clientAddress AS inet))",
            new { dashboardId, userId, rlsApplied, clientAddress = clientAddress?.ToString() }, work.Transaction, cancellationToken: cancellationToken));
        await work.CommitAsync(cancellationToken);
    }
}

/// <summary>A row of the tenant's dashboard registry, as a user's menu and the guest-token request need it.</summary>
public sealed record RegisteredDashboard
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string Slug { get; init; } = "";
    public string? Description { get; init; }
    public Guid? EmbeddedUuid { get; init; }
    public bool RlsByCompany { get; init; }
    public bool RlsByUser { get; init; }
    public string? RlsCustomClause { get; init; }
    public bool HideTitle { get; init; }
    public bool HideFilters { get; init; }
    public bool HideChartControls { get; init; }
}
