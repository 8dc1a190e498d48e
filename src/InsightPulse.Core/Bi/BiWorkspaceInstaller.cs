using System.Text.Json;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Bi;

/// <summary>
/// The provisioning step <c>bi_workspace</c>: the tenant's workspace, and in it every dashboard template that
/// applies to the tenant (its module installed, or its databank), with the datasets' columns read from the live
/// catalogue and every chart's spec checked against them (one that does not fit is written broken, with the reason a
/// viewer reads, as <see cref="DatasetRefresh"/> marks it); then each dashboard registered in the tenant's own
/// <c>ipai_bi_dashboard</c> with its embedded uuid. An ensure: it compares before it writes, so a second run
/// changes nothing, a killed run is completed by the next (the workspace is written in one transaction), and a row
/// changed or deleted by hand, or a template changed by a new build, is put back.
/// </summary>
public sealed class BiWorkspaceInstaller(PlatformDatabases databases, TenantModules tenantModules, ModuleCatalog catalog, DashboardTemplates templates)
{
    /// <summary>Creates or repairs the tenant's workspace; says what it did (Acted false: all was in place).</summary>
    public async Task<(bool Acted, string Detail)> EnsureAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var workspace = tenant.SupersetWorkspace ?? tenant.Code;
        var applicable = await ApplicableAsync(tenant, cancellationToken);
        var columns = new Dictionary<(string Store, string Relation), IReadOnlyList<DatasetColumn>>();

        var did = new List<string>();
        var broken = new List<string>();
        var registered = new List<(string Slug, string Title, string? Description, Guid EmbeddedUuid, string[] AllowedDomains)>();
        await using (var platform = await databases.Platform.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await platform.BeginTransactionAsync(cancellationToken))
        {
            var changed = await platform.ExecuteAsync(new CommandDefinition("""
                INSERT INTO ipai_bi_workspace (tenant_code, name) VALUES (@code, @workspace)
                ON CONFLICT (tenant_code) DO UPDATE SET name = excluded.name WHERE ipai_bi_workspace.name <> excluded.name
                """, new { code = tenant.Code, workspace }, transaction, cancellationToken: cancellationToken));
            if (changed > 0) did.Add($"workspace {workspace}");
            // One writer per workspace at a time (the provisioning lock already gives that; this keeps it true for any caller).
            await platform.ExecuteAsync(new CommandDefinition("SELECT 1 FROM ipai_bi_workspace WHERE tenant_code = @code FOR UPDATE",
                new { code = tenant.Code }, transaction, cancellationToken: cancellationToken));
            // The live columns, read under the workspace's lock: a dataset refresh (which takes it too) cannot have
            // written newer ones that this run would overwrite.
            foreach (var dataset in applicable.SelectMany(t => t.Datasets))
            {
                columns[(dataset.Store, dataset.Name)] = await ColumnsAsync(tenant, dataset.Store, dataset.Name, cancellationToken);
            }
            foreach (var template in applicable)
            {
                var (acted, embeddedUuid, allowedDomains) = await EnsureDashboardAsync(platform, transaction, tenant, template, columns, broken, cancellationToken);
                if (acted.Count > 0) did.Add($"{template.Slug}: {string.Join(", ", acted)}");
                registered.Add((template.Slug, template.Title, template.Description, embeddedUuid, allowedDomains));
            }
            await transaction.CommitAsync(cancellationToken);
        }
        var listed = await RegisterAsync(tenant, registered, cancellationToken);
        if (listed > 0) did.Add($"registered {listed} dashboard(s) in {tenant.DbName}");
        var names = applicable.Count == 0 ? "no dashboard template applies" : string.Join(", ", applicable.Select(t => t.Slug));
        var brokenNote = broken.Count == 0 ? "" : $"; {broken.Count} chart(s) broken (they show why): {string.Join(" ", broken)}";
        return did.Count > 0
            ? (true, $"workspace {workspace}: {string.Join("; ", did)}{brokenNote}")
            : (false, $"workspace {workspace} complete ({names}){brokenNote}");
    }

    /// <summary>The templates whose requirement the tenant meets: a module it installs, or its databank.</summary>
    public async Task<IReadOnlyList<DashboardTemplate>> ApplicableAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var modules = ModuleCatalog.BaseModules.Concat(await tenantModules.ListAsync(tenant.Code, cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var databank = catalog.DatabankOf(tenant.Code)?.Manifest.Tenant;
        return templates.All.Where(t => (t.Requires.Module is { } m && modules.Contains(m)) || (t.Requires.Databank is { } d && d == databank)).ToList();
    }

    /// <summary>
    /// A relation's columns from the catalogue (<c>@schema</c>, <c>@relation</c>): name and <c>format_type</c>, in order;
    /// one row of nulls for a relation without columns; none when there is no such relation.
    /// </summary>
    internal const string CatalogueColumns = """
        SELECT a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_catalog.pg_class c
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = @schema AND c.relname = @relation AND c.relkind IN ('r', 'p', 'v', 'm')
        ORDER BY a.attnum
        """;

    /// <summary>The columns of a relation of the tenant's store, from the catalogue (read as the owner); plain names only.</summary>
    /// <exception cref="BiWorkspaceException">The relation does not exist.</exception>
    public async Task<IReadOnlyList<DatasetColumn>> ColumnsAsync(Tenant tenant, string store, string relation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return await FindColumnsAsync(tenant, store, relation, cancellationToken)
            ?? throw new BiWorkspaceException($"The BI dataset {StoreSchema(tenant, store)}.{relation} of tenant '{tenant.Code}' does not exist.",
                $"`./ipai tenant provision {tenant.Code}` installs the module that creates it; if it was dropped by hand, provisioning repairs it.");
    }

    /// <summary>
    /// <see cref="ColumnsAsync"/>, or null when the store has no such table or view (dropped, renamed). A store's
    /// database that does not exist is a <see cref="PostgresException"/> (<c>3D000</c>), as any other server error.
    /// </summary>
    public async Task<IReadOnlyList<DatasetColumn>?> FindColumnsAsync(Tenant tenant, string store, string relation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var database = store == "database" ? databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName) : databases.Data;
        var schema = StoreSchema(tenant, store);
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        return Plain(await connection.QueryAsync<(string? Name, string? Type)>(new CommandDefinition(CatalogueColumns,
            new { schema, relation }, cancellationToken: cancellationToken)));
    }

    /// <summary>The <see cref="CatalogueColumns"/> rows as dataset columns (plain names only); null when there were none (no such relation).</summary>
    internal static IReadOnlyList<DatasetColumn>? Plain(IEnumerable<(string? Name, string? Type)> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0) return null;
        return list.Where(r => r.Name is not null && Sql.IsPlainIdentifier(r.Name)).Select(r => new DatasetColumn(r.Name!, r.Type!)).ToList();
    }

    /// <summary>The schema a store's relations are in: <c>public</c> of the tenant's database, or the tenant's schema of the data database.</summary>
    public static string StoreSchema(Tenant tenant, string store)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        return store == "database" ? "public" : tenant.SupabaseSchema;
    }

    private static async Task<(List<string> Acted, Guid EmbeddedUuid, string[] AllowedDomains)> EnsureDashboardAsync(
        NpgsqlConnection platform, NpgsqlTransaction transaction, Tenant tenant, DashboardTemplate template,
        Dictionary<(string Store, string Relation), IReadOnlyList<DatasetColumn>> columns, List<string> broken, CancellationToken cancellationToken)
    {
        var acted = new List<string>();
        var datasetIds = new Dictionary<string, long>(StringComparer.Ordinal);
        var changedDatasets = 0;
        foreach (var dataset in template.Datasets)
        {
            var json = JsonSerializer.Serialize(columns[(dataset.Store, dataset.Name)], BiJson.Options);
            var (id, written) = await platform.QuerySingleAsync<(long, bool)>(new CommandDefinition("""
                WITH upsert AS (
                    INSERT INTO ipai_bi_dataset (tenant_code, name, store, relation, columns, template)
                    VALUES (@code, @name, @store, @name, CAST(@json AS jsonb), @slug)
                    ON CONFLICT (tenant_code, name) DO UPDATE
                    SET store = excluded.store, relation = excluded.relation, columns = excluded.columns, changed_at = now()
                    WHERE (ipai_bi_dataset.store, ipai_bi_dataset.relation, ipai_bi_dataset.columns) IS DISTINCT FROM (excluded.store, excluded.relation, excluded.columns)
                    RETURNING id
                )
                SELECT id, true FROM upsert
                UNION ALL
                SELECT id, false FROM ipai_bi_dataset WHERE tenant_code = @code AND name = @name AND NOT EXISTS (SELECT 1 FROM upsert)
                """, new { code = tenant.Code, name = dataset.Name, store = dataset.Store, json, slug = template.Slug }, transaction, cancellationToken: cancellationToken));
            datasetIds[dataset.Name] = id;
            if (written) changedDatasets++;
        }
        if (changedDatasets > 0) acted.Add($"{changedDatasets} dataset(s)");

        // A chart that does not fit its dataset's live columns (a script renamed or dropped one) is written broken,
        // with the reason a viewer reads, as the dataset refresh marks it; it heals when a later run finds it fitting.
        var brokenReasons = template.Charts.ToDictionary(c => c.Key, c =>
        {
            var dataset = template.Datasets.Single(d => d.Name == c.Dataset);
            return DatasetRefresh.BrokenReason(dataset.Name, c.Spec, columns[(dataset.Store, dataset.Name)]);
        }, StringComparer.Ordinal);
        broken.AddRange(brokenReasons.Where(r => r.Value is not null).Select(r => $"{template.Slug}/{r.Key}: {r.Value}"));

        var layout = JsonSerializer.Serialize(DashboardLayout.Of(template), BiJson.Options);
        var defaultDomains = DefaultAllowedDomains(tenant);
        var dashboard = await platform.QuerySingleAsync<(long Id, Guid EmbeddedUuid, string[] AllowedDomains, bool Written)>(new CommandDefinition("""
            WITH upsert AS (
                INSERT INTO ipai_bi_workspace_dashboard (tenant_code, slug, title, description, layout, refresh_seconds, allowed_domains, template, template_checksum)
                VALUES (@code, @slug, @title, @description, CAST(@layout AS jsonb), @refresh, @domains, @slug, @checksum)
                ON CONFLICT (tenant_code, slug) DO UPDATE
                SET title = excluded.title, description = excluded.description, layout = excluded.layout,
                    refresh_seconds = excluded.refresh_seconds, template_checksum = excluded.template_checksum, changed_at = now()
                WHERE (ipai_bi_workspace_dashboard.title, ipai_bi_workspace_dashboard.description, ipai_bi_workspace_dashboard.layout,
                       ipai_bi_workspace_dashboard.refresh_seconds, ipai_bi_workspace_dashboard.template_checksum)
                      IS DISTINCT FROM (excluded.title, excluded.description, excluded.layout, excluded.refresh_seconds, excluded.template_checksum)
                RETURNING id, embedded_uuid, allowed_domains
            )
            SELECT id, embedded_uuid, allowed_domains, true FROM upsert
            UNION ALL
            SELECT id, embedded_uuid, allowed_domains, false FROM ipai_bi_workspace_dashboard
            WHERE tenant_code = @code AND slug = @slug AND NOT EXISTS (SELECT 1 FROM upsert)
            """, new
        {
            code = tenant.Code, slug = template.Slug, title = template.Title, description = template.Description, layout,
            refresh = template.RefreshSeconds, domains = defaultDomains, checksum = template.Checksum,
        }, transaction, cancellationToken: cancellationToken));
        if (dashboard.Written) acted.Add("dashboard");

        var changedCharts = 0;
        foreach (var chart in template.Charts)
        {
            changedCharts += await platform.ExecuteAsync(new CommandDefinition("""
                INSERT INTO ipai_bi_chart (tenant_code, dashboard_id, dataset_id, key, slice_name, viz_type, spec, broken_reason)
                VALUES (@code, @dashboard, @dataset, @key, @title, @viz, CAST(@spec AS jsonb), @broken)
                ON CONFLICT (tenant_code, dashboard_id, key) DO UPDATE
                SET dataset_id = excluded.dataset_id, slice_name = excluded.slice_name, viz_type = excluded.viz_type, spec = excluded.spec,
                    broken_reason = excluded.broken_reason, changed_at = now()
                WHERE (ipai_bi_chart.dataset_id, ipai_bi_chart.slice_name, ipai_bi_chart.viz_type, ipai_bi_chart.spec, ipai_bi_chart.broken_reason)
                      IS DISTINCT FROM (excluded.dataset_id, excluded.slice_name, excluded.viz_type, excluded.spec, excluded.broken_reason)
                """, new
            {
                code = tenant.Code, dashboard = dashboard.Id, dataset = datasetIds[chart.Dataset], key = chart.Key, title = chart.Title,
                viz = chart.Spec.Viz, spec = JsonSerializer.Serialize(chart.Spec, BiJson.Options), broken = brokenReasons[chart.Key],
            }, transaction, cancellationToken: cancellationToken));
        }
        // Charts the template no longer has (a new build removed them) leave its dashboard.
        changedCharts += await platform.ExecuteAsync(new CommandDefinition(
            "DELETE FROM ipai_bi_chart WHERE tenant_code = @code AND dashboard_id = @dashboard AND NOT (key = ANY(@keys))",
            new { code = tenant.Code, dashboard = dashboard.Id, keys = template.Charts.Select(c => c.Key).ToArray() }, transaction, cancellationToken: cancellationToken));
        if (changedCharts > 0) acted.Add($"{changedCharts} chart(s)");
        return (acted, dashboard.EmbeddedUuid, dashboard.AllowedDomains);
    }

    /// <summary>
    /// The tenant's own hosts, which may embed its dashboards: its domain and its development host under the default
    /// suffix (<see cref="TenantHosts"/>: <c>afc_client</c> embeds at <c>afc-client.localhost</c>).
    /// </summary>
    internal static string[] DefaultAllowedDomains(Tenant tenant) => [.. TenantHosts.Of(tenant, TenantHosts.DefaultDevelopmentSuffix)];

    /// <summary>
    /// Puts a dashboard's embedded configuration, changed through the API, into the tenant's registry at once, so that
    /// its Dashboards page embeds the uuid that works (the next provisioning run would repair it too).
    /// </summary>
    public Task<int> RegisterEmbeddedAsync(Tenant tenant, WorkspaceDashboard dashboard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dashboard);
        return RegisterAsync(tenant, [(dashboard.Slug, dashboard.Title, dashboard.Description, dashboard.EmbeddedUuid, [.. dashboard.AllowedDomains])], cancellationToken);
    }

    /// <summary>
    /// Each dashboard in the tenant's registry (<c>ipai_bi_dashboard</c> of its database), with its embedded uuid;
    /// a row the tenant's administrator edited (name, order, groups, RLS, active) keeps those edits.
    /// </summary>
    internal async Task<int> RegisterAsync(Tenant tenant, List<(string Slug, string Title, string? Description, Guid EmbeddedUuid, string[] AllowedDomains)> dashboards, CancellationToken cancellationToken)
    {
        if (dashboards.Count == 0) return 0;
        await using var connection = await databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName).OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantContext.SetAsync(connection, transaction, tenant.Code, cancellationToken);
        var written = 0;
        for (var i = 0; i < dashboards.Count; i++)
        {
            var d = dashboards[i];
            written += await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO ipai_bi_dashboard (name, dashboard_id, description, sequence, embed_uuid, allowed_domains)
                VALUES (@Title, @Slug, @Description, @sequence, @EmbeddedUuid, @AllowedDomains)
                ON CONFLICT (tenant_id, dashboard_id) DO UPDATE SET embed_uuid = excluded.embed_uuid, allowed_domains = excluded.allowed_domains, write_date = now()
                WHERE (ipai_bi_dashboard.embed_uuid, ipai_bi_dashboard.allowed_domains) IS DISTINCT FROM (excluded.embed_uuid, excluded.allowed_domains)
                """, new { d.Title, d.Slug, d.Description, sequence = 10 * (i + 1), d.EmbeddedUuid, d.AllowedDomains }, transaction, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return written;
    }
}
