using System.Text.Json;
using Dapper;
using InsightPulse.Core.Databases;
using Npgsql;

namespace InsightPulse.Core.Bi;

/// <summary>
/// Reads the BI service's metadata (<c>ipai_bi_*</c> of the platform database). Every read is keyed by the
/// tenant's code as well as the id: an id of another workspace is simply not found.
/// </summary>
public sealed class BiMetadata(PlatformDatabases databases)
{
    /// <summary>The longest dashboard id or slug looked up.</summary>
    private const int MaxSlugLength = 200;

    private const string DashboardColumns =
        "id, uuid, tenant_code, slug, title, description, layout::text AS layout, refresh_seconds, embedded, embedded_uuid, allowed_domains";

    private const string ChartColumns = "c.id, c.uuid, c.dashboard_id, c.dataset_id, c.key, c.slice_name, c.viz_type, c.spec::text AS spec, c.broken_reason";
    internal const string DatasetColumns = "d.id, d.uuid, d.tenant_code, d.name, d.store, d.relation, d.columns::text AS columns, d.database_id, d.schema_name";

    /// <summary>The workspace's dashboards, by title.</summary>
    public async Task<IReadOnlyList<WorkspaceDashboard>> DashboardsAsync(string tenantCode, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<DashboardRow>(new CommandDefinition(
            $"SELECT {DashboardColumns} FROM ipai_bi_workspace_dashboard WHERE tenant_code = @tenantCode ORDER BY title, id",
            new { tenantCode }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToDashboard()).ToList();
    }

    /// <summary>
    /// A dashboard of the workspace by its id, slug, uuid or embedded uuid (as Superset's API accepts them); null when there
    /// is none, and without asking the database when <paramref name="idOrSlug"/> could be none of them (too long, or text a
    /// slug cannot hold: a NUL, half a character).
    /// </summary>
    public async Task<WorkspaceDashboard?> DashboardAsync(string tenantCode, string idOrSlug, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(idOrSlug);
        if (idOrSlug.Length is 0 or > MaxSlugLength || Postgres.TextRules.Problem(idOrSlug) is not null) return null;
        long? id = long.TryParse(idOrSlug, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
        Guid? uuid = Guid.TryParse(idOrSlug, out var g) ? g : null;
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<DashboardRow>(new CommandDefinition(
            $"SELECT {DashboardColumns} FROM ipai_bi_workspace_dashboard WHERE tenant_code = @tenantCode AND (id = @id OR slug = @idOrSlug OR uuid = @uuid OR embedded_uuid = @uuid)",
            new { tenantCode, id, idOrSlug, uuid }, cancellationToken: cancellationToken));
        return row?.ToDashboard();
    }

    /// <summary>The workspace's dashboard embedded under <paramref name="embeddedUuid"/>; null when none is (or its embedding is off).</summary>
    public async Task<WorkspaceDashboard?> EmbeddedAsync(string tenantCode, Guid embeddedUuid, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<DashboardRow>(new CommandDefinition(
            $"SELECT {DashboardColumns} FROM ipai_bi_workspace_dashboard WHERE tenant_code = @tenantCode AND embedded_uuid = @embeddedUuid AND embedded",
            new { tenantCode, embeddedUuid }, cancellationToken: cancellationToken));
        return row?.ToDashboard();
    }

    /// <summary>
    /// Turns a dashboard's embedding on with <paramref name="allowedDomains"/> (Superset's POST/PUT …/embedded), or off
    /// (DELETE: the uuid is retired, so a page that kept it gets 404 even after embedding is turned on again).
    /// </summary>
    public async Task<WorkspaceDashboard> SetEmbeddedAsync(string tenantCode, long dashboardId, IReadOnlyList<string>? allowedDomains, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleAsync<DashboardRow>(new CommandDefinition($"""
            UPDATE ipai_bi_workspace_dashboard
            SET embedded = @on, allowed_domains = coalesce(@domains, ARRAY[]::text[]),
                embedded_uuid = CASE WHEN @on THEN embedded_uuid ELSE gen_random_uuid() END, changed_at = now()
            WHERE tenant_code = @tenantCode AND id = @dashboardId
            RETURNING {DashboardColumns}
            """, new { tenantCode, dashboardId, on = allowedDomains is not null, domains = allowedDomains?.ToArray() }, cancellationToken: cancellationToken));
        return row.ToDashboard();
    }

    /// <summary>The charts of a dashboard, by id (the layout gives their order on its tabs).</summary>
    public async Task<IReadOnlyList<WorkspaceChart>> ChartsAsync(string tenantCode, long dashboardId, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ChartRow>(new CommandDefinition(
            $"SELECT {ChartColumns} FROM ipai_bi_chart c WHERE c.tenant_code = @tenantCode AND c.dashboard_id = @dashboardId ORDER BY c.id",
            new { tenantCode, dashboardId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToChart()).ToList();
    }

    /// <summary>A chart of the workspace with its dataset; null when the workspace has no such chart.</summary>
    /// <remarks>One query on every chart-data request: the chart and its dataset, joined as their foreign key joins them.</remarks>
    public async Task<(WorkspaceChart Chart, Dataset Dataset)?> ChartAsync(string tenantCode, long chartId, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<ChartRow, DatasetRow, (WorkspaceChart Chart, Dataset Dataset)>(new CommandDefinition($"""
            SELECT {ChartColumns}, {DatasetColumns}
            FROM ipai_bi_chart c JOIN ipai_bi_dataset d ON d.tenant_code = c.tenant_code AND d.id = c.dataset_id
            WHERE c.tenant_code = @tenantCode AND c.id = @chartId
            """, new { tenantCode, chartId }, cancellationToken: cancellationToken),
            (chart, dataset) => (chart.ToChart(), dataset.ToDataset()), splitOn: "id");
        return rows.Select(r => ((WorkspaceChart Chart, Dataset Dataset)?)r).FirstOrDefault();
    }

    /// <summary>The workspace's datasets, by name.</summary>
    public async Task<IReadOnlyList<Dataset>> DatasetsAsync(string tenantCode, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await DatasetsAsync(connection, null, tenantCode, cancellationToken);
    }

    /// <summary><see cref="DatasetsAsync(string, CancellationToken)"/> on the caller's connection, in its transaction.</summary>
    internal static async Task<IReadOnlyList<Dataset>> DatasetsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantCode, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<DatasetRow>(new CommandDefinition(
            $"SELECT {DatasetColumns} FROM ipai_bi_dataset d WHERE d.tenant_code = @tenantCode ORDER BY d.name",
            new { tenantCode }, transaction, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToDataset()).ToList();
    }

    /// <summary>Every chart of the workspace with its dashboard's slug, by slug then id.</summary>
    public async Task<IReadOnlyList<(string DashboardSlug, WorkspaceChart Chart)>> WorkspaceChartsAsync(string tenantCode, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await WorkspaceChartsAsync(connection, null, tenantCode, cancellationToken);
    }

    /// <summary><see cref="WorkspaceChartsAsync(string, CancellationToken)"/> on the caller's connection, in its transaction.</summary>
    internal static async Task<IReadOnlyList<(string DashboardSlug, WorkspaceChart Chart)>> WorkspaceChartsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantCode, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<ChartRow, string, (string, WorkspaceChart)>(new CommandDefinition($"""
            SELECT {ChartColumns}, w.slug
            FROM ipai_bi_chart c JOIN ipai_bi_workspace_dashboard w ON w.tenant_code = c.tenant_code AND w.id = c.dashboard_id
            WHERE c.tenant_code = @tenantCode
            ORDER BY w.slug, c.id
            """, new { tenantCode }, transaction, cancellationToken: cancellationToken),
            (chart, slug) => (slug, chart.ToChart()), splitOn: "slug");
        return rows.ToList();
    }

    public Task<Dataset?> DatasetAsync(string tenantCode, long datasetId, CancellationToken cancellationToken) =>
        DatasetWhereAsync("d.id = @datasetId", new { tenantCode, datasetId }, cancellationToken);

    public Task<Dataset?> DatasetAsync(string tenantCode, string name, CancellationToken cancellationToken) =>
        DatasetWhereAsync("d.name = @name", new { tenantCode, name }, cancellationToken);

    /// <summary>The workspace's dataset that <paramref name="condition"/> (a constant of this class) picks.</summary>
    private async Task<Dataset?> DatasetWhereAsync(string condition, object parameters, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<DatasetRow>(new CommandDefinition(
            $"SELECT {DatasetColumns} FROM ipai_bi_dataset d WHERE d.tenant_code = @tenantCode AND {condition}",
            parameters, cancellationToken: cancellationToken));
        return row?.ToDataset();
    }

#pragma warning disable IDE1006, CA1812 // Dapper's rows: column names, instantiated by reflection
    private sealed class DashboardRow
    {
        public long id { get; init; }
        public Guid uuid { get; init; }
        public string tenant_code { get; init; } = "";
        public string slug { get; init; } = "";
        public string title { get; init; } = "";
        public string? description { get; init; }
        public string layout { get; init; } = "";
        public int refresh_seconds { get; init; }
        public bool embedded { get; init; }
        public Guid embedded_uuid { get; init; }
        public string[] allowed_domains { get; init; } = [];

        public WorkspaceDashboard ToDashboard() => new(id, uuid, tenant_code, slug, title, description,
            JsonSerializer.Deserialize<DashboardLayout>(layout, BiJson.Options)!, refresh_seconds, embedded, embedded_uuid, allowed_domains);
    }

    private sealed record ChartRow(long id, Guid uuid, long dashboard_id, long dataset_id, string key, string slice_name, string viz_type, string spec, string? broken_reason)
    {
        public WorkspaceChart ToChart() => new(id, uuid, dashboard_id, dataset_id, key, slice_name, viz_type,
            JsonSerializer.Deserialize<ChartSpec>(spec, BiJson.Options)!, broken_reason);
    }

    internal sealed record DatasetRow(long id, Guid uuid, string tenant_code, string name, string store, string relation, string columns, long? database_id, string? schema_name)
    {
        public Dataset ToDataset() => new(id, uuid, tenant_code, name, store, relation,
            JsonSerializer.Deserialize<List<DatasetColumn>>(columns, BiJson.Options)!, database_id, schema_name);
    }
#pragma warning restore IDE1006, CA1812
}

/// <summary>A dashboard of a workspace (<c>ipai_bi_workspace_dashboard</c>).</summary>
public sealed record WorkspaceDashboard(
    long Id, Guid Uuid, string TenantCode, string Slug, string Title, string? Description, DashboardLayout Layout,
    int RefreshSeconds, bool Embedded, Guid EmbeddedUuid, IReadOnlyList<string> AllowedDomains);

/// <summary>A chart of a workspace (<c>ipai_bi_chart</c>).</summary>
public sealed record WorkspaceChart(long Id, Guid Uuid, long DashboardId, long DatasetId, string Key, string SliceName, string VizType, ChartSpec Spec, string? BrokenReason);
