using System.Text.Json;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Tenants;
using Npgsql;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Bi;

/// <summary>
/// Datasets, dashboards, charts and tags made through the Superset-compatible API (rather than by the
/// <c>bi_workspace</c> step from templates): the writes behind <c>POST|PUT /api/v1/dataset|dashboard|chart</c> and
/// <c>/api/v1/tag</c>. Keyed by the workspace's tenant code like every read of <see cref="BiMetadata"/>.
/// </summary>
public sealed class BiObjects(PlatformDatabases databases, BiDatabases connections, BiMetadata metadata)
{
    /// <summary>Superset's ObjectType numbers for what can be tagged.</summary>
    public static readonly IReadOnlyDictionary<int, string> TaggableTypes = new Dictionary<int, string> { [2] = "chart", [3] = "dashboard", [4] = "dataset" };

    private const string DatasetColumns = BiMetadata.DatasetColumns;

    /// <summary>A dataset over connection <paramref name="databaseId"/>: its columns read over that connection now.</summary>
    public async Task<Dataset> CreateDatasetAsync(string tenantCode, long databaseId, string schema, string table, CancellationToken cancellationToken)
    {
        if (!Postgres.Sql.IsPlainIdentifier(schema) || !Postgres.Sql.IsPlainIdentifier(table))
        {
            throw new BiWorkspaceException("schema and table_name: lower-case letters, digits and '_' only.", "Name a table of the connection's database.");
        }
        var columns = await connections.ColumnsAsync(tenantCode, databaseId, schema, table, cancellationToken);
        // A name unique in the workspace (several connections may each have this table): the table and the connection.
        var suffix = "_c" + databaseId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var name = (table.Length + suffix.Length > 63 ? table[..(63 - suffix.Length)] : table) + suffix;
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        try
        {
            var row = await connection.QuerySingleAsync<BiMetadata.DatasetRow>(new CommandDefinition($"""
                INSERT INTO ipai_bi_dataset AS d (tenant_code, name, store, relation, columns, database_id, schema_name)
                VALUES (@tenantCode, @name, 'connection', @table, CAST(@json AS jsonb), @databaseId, @schema)
                RETURNING {DatasetColumns}
                """, new { tenantCode, name, table, json = JsonSerializer.Serialize(columns, BiJson.Options), databaseId, schema }, cancellationToken: cancellationToken));
            return row.ToDataset();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new BiWorkspaceException($"Dataset {schema}.{table} already exists on database {databaseId}.", "Use it: GET /api/v1/dataset/?q=(filters:!((col:table_name,opr:eq,value:…)))");
        }
    }

    /// <summary>The workspace's datasets over connections, filtered by whichever of table, schema and connection are given.</summary>
    public async Task<IReadOnlyList<Dataset>> DatasetsAsync(string tenantCode, string? table, string? schema, long? databaseId, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<BiMetadata.DatasetRow>(new CommandDefinition($"""
            SELECT {DatasetColumns} FROM ipai_bi_dataset d
            WHERE d.tenant_code = @tenantCode AND (@table::text IS NULL OR d.relation = @table)
              AND (@schema::text IS NULL OR coalesce(d.schema_name, '') = @schema) AND (@databaseId::bigint IS NULL OR d.database_id = @databaseId)
            ORDER BY d.id
            """, new { tenantCode, table, schema, databaseId }, cancellationToken: cancellationToken));
        return rows.Select(r => r.ToDataset()).ToList();
    }

    /// <summary>A dashboard made through the API: not embedded until its embedded configuration is posted.</summary>
    public async Task<WorkspaceDashboard> CreateDashboardAsync(string tenantCode, string slug, string title, DashboardLayout layout, int refreshSeconds, string? jsonMetadata, string? positionJson, CancellationToken cancellationToken)
    {
        CheckText(slug, "slug");
        CheckText(title, "dashboard_title");
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ipai_bi_workspace (tenant_code, name) VALUES (@tenantCode, @tenantCode) ON CONFLICT (tenant_code) DO NOTHING",
            new { tenantCode }, cancellationToken: cancellationToken));
        try
        {
            var id = await connection.QuerySingleAsync<long>(new CommandDefinition("""
                INSERT INTO ipai_bi_workspace_dashboard (tenant_code, slug, title, layout, refresh_seconds, embedded, json_metadata, position_json)
                VALUES (@tenantCode, @slug, @title, CAST(@layout AS jsonb), @refreshSeconds, false, CAST(@jsonMetadata AS jsonb), CAST(@positionJson AS jsonb))
                RETURNING id
                """, new { tenantCode, slug, title, layout = JsonSerializer.Serialize(layout, BiJson.Options), refreshSeconds, jsonMetadata, positionJson }, cancellationToken: cancellationToken));
            return (await metadata.DashboardAsync(tenantCode, id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken))!;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new BiWorkspaceException($"A dashboard with slug '{slug}' already exists.", $"Use it: GET /api/v1/dashboard/{slug}.");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.CheckViolation)
        {
            throw new BiWorkspaceException($"The dashboard does not fit: {e.ConstraintName}.", "slug: lower-case letters, digits and '-'; title: 1 to 200 characters; refresh 10 to 86400 s.");
        }
    }

    /// <summary>Changes what is given (null: kept); null when the workspace has no such dashboard.</summary>
    public async Task<WorkspaceDashboard?> UpdateDashboardAsync(string tenantCode, long id, string? slug, string? title, DashboardLayout? layout, int? refreshSeconds, string? jsonMetadata, string? positionJson, CancellationToken cancellationToken)
    {
        CheckText(slug, "slug");
        CheckText(title, "dashboard_title");
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var changed = await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE ipai_bi_workspace_dashboard SET slug = coalesce(@slug, slug), title = coalesce(@title, title),
                layout = coalesce(CAST(@layout AS jsonb), layout), refresh_seconds = coalesce(@refreshSeconds, refresh_seconds),
                json_metadata = coalesce(CAST(@jsonMetadata AS jsonb), json_metadata), position_json = coalesce(CAST(@positionJson AS jsonb), position_json), changed_at = now()
            WHERE tenant_code = @tenantCode AND id = @id
            """, new { tenantCode, id, slug, title, layout = layout is null ? null : JsonSerializer.Serialize(layout, BiJson.Options), refreshSeconds, jsonMetadata, positionJson }, cancellationToken: cancellationToken));
        return changed == 0 ? null : await metadata.DashboardAsync(tenantCode, id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
    }

    /// <summary>The Superset documents a dashboard was given through the API (nulls for a template's dashboard).</summary>
    public async Task<(string? JsonMetadata, string? PositionJson)> SupersetDocumentsAsync(string tenantCode, long id, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<(string?, string?)>(new CommandDefinition(
            "SELECT json_metadata::text, position_json::text FROM ipai_bi_workspace_dashboard WHERE tenant_code = @tenantCode AND id = @id",
            new { tenantCode, id }, cancellationToken: cancellationToken));
    }

    /// <summary>A chart on <paramref name="dashboardId"/> over <paramref name="dataset"/>; its spec checked against the dataset's columns.</summary>
    public async Task<long> CreateChartAsync(string tenantCode, long dashboardId, Dataset dataset, string key, string sliceName, ChartSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Check(spec, dataset);
        CheckText(key, "ipai_key");
        CheckText(sliceName, "slice_name");
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        try
        {
            return await connection.QuerySingleAsync<long>(new CommandDefinition("""
                INSERT INTO ipai_bi_chart (tenant_code, dashboard_id, dataset_id, key, slice_name, viz_type, spec)
                VALUES (@tenantCode, @dashboardId, @datasetId, @key, @sliceName, @viz, CAST(@spec AS jsonb))
                RETURNING id
                """, new { tenantCode, dashboardId, datasetId = dataset.Id, key, sliceName, viz = spec.Viz, spec = JsonSerializer.Serialize(spec, BiJson.Options) }, cancellationToken: cancellationToken));
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.CheckViolation or PostgresErrorCodes.ForeignKeyViolation)
        {
            throw new BiWorkspaceException($"The chart does not fit ({e.ConstraintName}).", "One chart per key on a dashboard; a key of lower-case letters, digits and '_'; a slice_name of 1 to 200 characters; a dashboard and dataset of this workspace.");
        }
    }

    public async Task<bool> UpdateChartAsync(string tenantCode, long chartId, Dataset dataset, string sliceName, ChartSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        Check(spec, dataset);
        CheckText(sliceName, "slice_name");
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            UPDATE ipai_bi_chart SET dataset_id = @datasetId, slice_name = @sliceName, viz_type = @viz, spec = CAST(@spec AS jsonb), broken_reason = NULL, changed_at = now()
            WHERE tenant_code = @tenantCode AND id = @chartId
            """, new { tenantCode, chartId, datasetId = dataset.Id, sliceName, viz = spec.Viz, spec = JsonSerializer.Serialize(spec, BiJson.Options) }, cancellationToken: cancellationToken)) > 0;
    }

    private static void Check(ChartSpec spec, Dataset dataset)
    {
        if (ChartSpecValidator.Problems(spec, dataset.Columns) is { Count: > 0 } problems) throw new ChartSpecException(string.Join(" ", problems));
    }

    /// <summary>Refuses a name the workspace would store and show that free text may not hold (a NUL, half a character, a direction override).</summary>
    private static void CheckText(string? value, string field)
    {
        if (value is not null && TextRules.Problem(value) is { } problem) throw new BiWorkspaceException($"{field} {problem}");
    }

    /// <summary>Tags an object of the workspace (nothing when it has the tag already); false when the workspace has no such object.</summary>
    public async Task<bool> TagAsync(string tenantCode, int objectType, long objectId, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        foreach (var tag in tags) CheckText(tag, "tags");
        var table = objectType switch { 2 => "ipai_bi_chart", 3 => "ipai_bi_workspace_dashboard", 4 => "ipai_bi_dataset", _ => null };
        if (table is null) return false;
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT EXISTS (SELECT 1 FROM {table} WHERE tenant_code = @tenantCode AND id = @objectId)", new { tenantCode, objectId }, cancellationToken: cancellationToken));
        if (!exists) return false;
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_bi_tagged_object (tenant_code, tag, object_type, object_id)
            SELECT @tenantCode, t, @objectType, @objectId FROM unnest(@tags) t ON CONFLICT DO NOTHING
            """, new { tenantCode, objectType = (short)objectType, objectId, tags = tags.ToArray() }, cancellationToken: cancellationToken));
        return true;
    }

    /// <summary>The objects carrying any of <paramref name="tags"/>: type (Superset's word), id and name.</summary>
    public async Task<IReadOnlyList<(string Type, long Id, string Name, string Tag)>> TaggedAsync(string tenantCode, IReadOnlyList<string> tags, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<(string, long, string, string)>(new CommandDefinition("""
            SELECT CASE t.object_type WHEN 2 THEN 'chart' WHEN 3 THEN 'dashboard' ELSE 'dataset' END, t.object_id,
                   coalesce(c.slice_name, d.title, s.name, ''), t.tag
            FROM ipai_bi_tagged_object t
            LEFT JOIN ipai_bi_chart c ON t.object_type = 2 AND c.tenant_code = t.tenant_code AND c.id = t.object_id
            LEFT JOIN ipai_bi_workspace_dashboard d ON t.object_type = 3 AND d.tenant_code = t.tenant_code AND d.id = t.object_id
            LEFT JOIN ipai_bi_dataset s ON t.object_type = 4 AND s.tenant_code = t.tenant_code AND s.id = t.object_id
            WHERE t.tenant_code = @tenantCode AND t.tag = ANY(@tags)
            ORDER BY t.object_type, t.object_id
            """, new { tenantCode, tags = tags.ToArray() }, cancellationToken: cancellationToken))).ToList();
    }
}
