using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using InsightPulse.Core.Bi.Superset;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Options;
using Npgsql;

namespace InsightPulse.Core.Bi;

/// <summary>
/// The provisioning step <c>bi_workspace</c> for a tenant whose <c>superset_base_url</c> names an external Superset:
/// there, over its REST API, what <see cref="BiWorkspaceInstaller"/> does in the built-in service — a database
/// connection per store of the tenant (the BI reader role, with <c>app.tenant_id</c> set at connect, so row-level
/// security bounds what it reads), the templates' datasets, a dashboard per template (its tabs and chart widths as
/// Superset's <c>position_json</c>, its native filters in <c>json_metadata</c>), its charts (our spec in their
/// <c>params</c>), the
/// tag <c>workspace:&lt;code&gt;</c> on all of them and the embedded configuration; then each dashboard registered in
/// the tenant's <c>ipai_bi_dashboard</c> with its remote embedded uuid. Every id Superset gives back is recorded in
/// <c>ipai_bi_external_object</c> at once; each object is looked up by its recorded id (and checked to exist), then by
/// name, before it is created, so a second run creates nothing and a run killed half-way is completed by the next.
/// </summary>
public sealed class ExternalBiWorkspace(
    PlatformDatabases databases, PlatformEnvironmentSource source, BiWorkspaceInstaller installer, SupersetSessions sessions, IOptions<BiOptions> options)
{
    private NpgsqlDataSource Platform => databases.Platform;

    private string BiPassword => source.Cluster.Secrets.ReadRequired(PlatformEnvironment.RoleSecret(source.Names.BiRole));

    public static string Tag(Tenant tenant) => "workspace:" + (tenant ?? throw new ArgumentNullException(nameof(tenant))).Code;

    /// <summary>The dashboard's slug in the external Superset: the template's, prefixed by the tenant (one Superset serves many tenants).</summary>
    public static string Slug(Tenant tenant, DashboardTemplate template) =>
        $"{tenant.Code.Replace('_', '-')}-{template.Slug}" is var slug && slug.Length > 63 ? slug[..63] : slug;

    public async Task<(bool Acted, string Detail)> EnsureAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var baseUrl = (tenant.SupersetBaseUrl ?? throw new ArgumentException("The tenant has no superset_base_url.", nameof(tenant))).TrimEnd('/');
        var applicable = await installer.ApplicableAsync(tenant, cancellationToken);
        var run = new Run(this, tenant, baseUrl, sessions.For(baseUrl), cancellationToken);
        await run.Client.SignInAsync(cancellationToken);
        var registered = new List<(string Slug, string Title, string? Description, Guid EmbeddedUuid, string[] AllowedDomains)>();
        var notes = new List<string>();
        foreach (var template in applicable)
        {
            var datasetIds = new Dictionary<string, long>(StringComparer.Ordinal);
            var unfit = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var dataset in template.Datasets)
            {
                var columns = await installer.ColumnsAsync(tenant, dataset.Store, dataset.Name, cancellationToken);
                // A chart that does not fit the live columns (a script renamed or dropped one) is not sent, and said so;
                // Superset has no "broken" state to give it. A later run sends it once it fits.
                foreach (var chart in template.Charts.Where(c => c.Dataset == dataset.Name))
                {
                    if (DatasetRefresh.BrokenReason(dataset.Name, chart.Spec, columns) is { } reason) unfit[chart.Key] = reason;
                }
                var databaseId = await run.DatabaseAsync(dataset.Store);
                datasetIds[dataset.Name] = await run.DatasetAsync(databaseId, BiWorkspaceInstaller.StoreSchema(tenant, dataset.Store), dataset.Name);
            }
            notes.AddRange(unfit.Select(u => $"chart {template.Slug}/{u.Key} not sent: {u.Value}"));
            var layout = DashboardLayout.Of(template);
            // Native filters name their dataset by the remote id (Superset's filters name a datasetId).
            layout = layout with
            {
                Tabs = layout.Tabs.Select(t => t with { Charts = t.Charts.Where(c => !unfit.ContainsKey(c.Key)).ToList() }).ToList(),
                NativeFilters = layout.NativeFilters.Select(f => f with { Dataset = datasetIds[f.Dataset].ToString(CultureInfo.InvariantCulture) }).ToList(),
            };
            var dashboardId = await run.DashboardAsync(template, layout);
            var charts = new Dictionary<string, (long Id, string Title)>(StringComparer.Ordinal);
            var onDashboard = await run.ChartsOnAsync(dashboardId);
            foreach (var chart in template.Charts.Where(c => !unfit.ContainsKey(c.Key)))
            {
                charts[chart.Key] = (await run.ChartAsync(template, chart, dashboardId, datasetIds[chart.Dataset], onDashboard), chart.Title);
            }
            await run.PositionsAsync(dashboardId, template, layout, charts);
            await run.TagAsync([(3, dashboardId), .. charts.Values.Select(c => (2, c.Id)), .. datasetIds.Values.Select(id => (4, id))]);
            var domains = AllowedDomains(tenant);
            var embedded = await run.EmbeddedAsync(template, dashboardId, domains);
            registered.Add((template.Slug, template.Title, template.Description, embedded, domains));
        }
        var listed = await installer.RegisterAsync(tenant, registered, cancellationToken);
        if (listed > 0) run.Did.Add($"registered {listed} dashboard(s) in {tenant.DbName}");
        var names = applicable.Count == 0 ? "no dashboard template applies" : string.Join(", ", applicable.Select(t => t.Slug));
        var noted = notes.Count > 0 ? $" ({string.Join("; ", notes)})" : "";
        return run.Did.Count > 0
            ? (true, $"Superset {baseUrl}: {string.Join("; ", run.Did)}{noted}")
            : (false, $"Superset {baseUrl} complete ({names}){noted}");
    }

    /// <summary>
    /// After a schema change of an external tenant: asks its Superset to read the columns of every dataset provisioning
    /// made there again (<c>PUT /api/v1/dataset/{id}/refresh</c>); says how many. A dataset Superset no longer has is
    /// skipped (the next provisioning run makes it again).
    /// </summary>
    public async Task<string> RefreshAsync(Tenant tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var baseUrl = (tenant.SupersetBaseUrl ?? throw new ArgumentException("The tenant has no superset_base_url.", nameof(tenant))).TrimEnd('/');
        IReadOnlyList<long> ids;
        await using (var connection = await Platform.OpenConnectionAsync(cancellationToken))
        {
            ids = (await connection.QueryAsync<long>(new CommandDefinition(
                "SELECT remote_id FROM ipai_bi_external_object WHERE tenant_code = @code AND base_url = @baseUrl AND kind = 'dataset' AND remote_id IS NOT NULL ORDER BY remote_id",
                new { code = tenant.Code, baseUrl }, cancellationToken: cancellationToken))).ToList();
        }
        var client = sessions.For(baseUrl);
        var refreshed = 0;
        foreach (var id in ids)
        {
            if (await client.GetAsync($"api/v1/dataset/{id}", cancellationToken) is null) continue;
            await client.PutAsync($"api/v1/dataset/{id}/refresh", new { }, cancellationToken);
            refreshed++;
        }
        return $"its datasets are in Superset {baseUrl}: {refreshed} refreshed there";
    }

    /// <summary>
    /// The tenant's hosts as the external Superset's <c>allowed_domains</c>: each as a bare host (ours, and newer
    /// Superset versions, match it against the embedding page's host) and the primary domain also as an https origin
    /// (older Superset versions compare scheme, host and port of the page's Referer with each entry).
    /// </summary>
    public static string[] AllowedDomains(Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var hosts = BiWorkspaceInstaller.DefaultAllowedDomains(tenant);
        return [.. hosts, .. tenant.PrimaryDomain is { } domain && hosts.Contains(domain) ? new[] { "https://" + domain } : []];
    }

    /// <summary>The SQLAlchemy URI the external Superset connects with to one store of the tenant: the BI reader role, the tenant's context set at connect.</summary>
    internal string ConnectionUri(Tenant tenant, string store, string password)
    {
        var environment = databases.Environment;
        // A tenant database is reached on its fleet server; the schema store in the data database on the data server.
        var server = databases.AddressOf(store == "database" ? tenant.DatabaseServer : environment.DataServer);
        var (host, port) = (server.Host, server.Port);
        if (options.Value.ExternalDatabaseHost is { Length: > 0 } external)
        {
            var colon = external.LastIndexOf(':');
            (host, port) = colon > 0 && int.TryParse(external[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? (external[..colon], p) : (external, port);
        }
        var database = store == "database" ? tenant.DbName : environment.DataDatabase;
        var ssl = server.SslMode == Npgsql.SslMode.Disable ? "disable" : server.SslMode == Npgsql.SslMode.Require ? "require" : "prefer";
        return SqlAlchemyUri.Format(host, port, database, source.Names.BiRole, password, $"-c app.tenant_id={tenant.Code}", ssl);
    }

    /// <summary>One run against one Superset: what it did, and the record of the ids it got.</summary>
    private sealed class Run(ExternalBiWorkspace owner, Tenant tenant, string baseUrl, SupersetClient client, CancellationToken cancellationToken)
    {
        public SupersetClient Client { get; } = client;
        public List<string> Did { get; } = [];

        public async Task<long> DatabaseAsync(string store)
        {
            var name = $"ipai {tenant.Code} {store}";
            var uri = owner.ConnectionUri(tenant, store, owner.BiPassword);
            var found = await ByRecordAsync("database", name, id => $"api/v1/database/{id}", r => Text(r, "database_name") == name)
                ?? await ByListAsync("api/v1/database/", Rison.Filters(("database_name", "eq", name)), r => Text(r, "database_name") == name);
            long databaseId;
            if (found is { } existing)
            {
                databaseId = existing.Id;
                var shown = existing.Result is { } r ? Text(r, "sqlalchemy_uri") : null;
                // A Superset that does not show the URI (masked) gives nothing to compare: the connection is left as it is.
                if (shown is not null && !SameConnection(shown, uri))
                {
                    await Client.PutAsync($"api/v1/database/{databaseId}", new { sqlalchemy_uri = uri }, cancellationToken);
                    Did.Add($"database connection '{name}' repaired");
                }
            }
            else
            {
                var created = await Client.PostAsync("api/v1/database/", new { database_name = name, sqlalchemy_uri = uri, expose_in_sqllab = false, allow_dml = false }, cancellationToken);
                databaseId = IdOf(created);
                Did.Add($"database connection '{name}'");
            }
            await RecordAsync("database", name, databaseId, null);
            return databaseId;
        }

        private static bool SameConnection(string shown, string ours)
        {
            try
            {
                var a = SqlAlchemyUri.Parse(shown);
                var b = SqlAlchemyUri.Parse(ours);
                return (a.Host, a.Port, a.Database, a.Username, a.Options, a.SslMode) == (b.Host, b.Port, b.Database, b.Username, b.Options, b.SslMode);
            }
            catch (BiWorkspaceException)
            {
                return false;
            }
        }

        public async Task<long> DatasetAsync(long databaseId, string schema, string table)
        {
            var name = $"{schema}.{table}";
            bool Same(JsonElement r) => Text(r, "table_name") == table && (Text(r, "schema") ?? "") == schema
                && r.TryGetProperty("database", out var d) && d.ValueKind == JsonValueKind.Object && d.TryGetProperty("id", out var id) && id.GetInt64() == databaseId;
            var found = await ByRecordAsync("dataset", name, id => $"api/v1/dataset/{id}", Same)
                ?? await ByListAsync("api/v1/dataset/", Rison.Filters(("table_name", "eq", table), ("schema", "eq", schema), ("database", "rel_o_m", databaseId)), Same);
            long datasetId;
            if (found is { } existing)
            {
                datasetId = existing.Id;
            }
            else
            {
                datasetId = IdOf(await Client.PostAsync("api/v1/dataset/", new { database = databaseId, schema, table_name = table }, cancellationToken));
                Did.Add($"dataset {name}");
            }
            await RecordAsync("dataset", name, datasetId, null);
            return datasetId;
        }

        public async Task<long> DashboardAsync(DashboardTemplate template, DashboardLayout layout)
        {
            var slug = Slug(tenant, template);
            var found = await ByRecordAsync("dashboard", template.Slug, id => $"api/v1/dashboard/{id}", r => Text(r, "slug") == slug)
                ?? await ByPathAsync($"api/v1/dashboard/{slug}", r => Text(r, "slug") == slug);
            var metadata = Metadata(layout, template.RefreshSeconds);
            long dashboardId;
            if (found is { } existing)
            {
                dashboardId = existing.Id;
                if (existing.Result is not { } r || Text(r, "dashboard_title") != template.Title || !SameMetadata(Text(r, "json_metadata"), metadata))
                {
                    await Client.PutAsync($"api/v1/dashboard/{dashboardId}", new { dashboard_title = template.Title, json_metadata = metadata.ToJsonString() }, cancellationToken);
                    Did.Add($"dashboard {slug} repaired");
                }
            }
            else
            {
                dashboardId = IdOf(await Client.PostAsync("api/v1/dashboard/",
                    new { dashboard_title = template.Title, slug, published = true, json_metadata = metadata.ToJsonString() }, cancellationToken));
                Did.Add($"dashboard {slug}");
            }
            await RecordAsync("dashboard", template.Slug, dashboardId, null);
            return dashboardId;
        }

        private static JsonObject Metadata(DashboardLayout layout, int refreshSeconds) => new()
        {
            ["refresh_frequency"] = refreshSeconds,
            ["native_filter_configuration"] = SupersetFormData.NativeFilters(layout.NativeFilters),
        };

        /// <summary>Whether Superset's json_metadata has our keys as we would write them (Superset adds keys of its own).</summary>
        private static bool SameMetadata(string? shown, JsonObject ours)
        {
            if (shown is null || JsonNode.Parse(shown) is not JsonObject remote) return false;
            return ours.All(p => JsonNode.DeepEquals(remote[p.Key], p.Value));
        }

        /// <summary>The charts on a dashboard, by our key in their params.</summary>
        public async Task<Dictionary<string, long>> ChartsOnAsync(long dashboardId)
        {
            var charts = new Dictionary<string, long>(StringComparer.Ordinal);
            if (await Client.GetAsync($"api/v1/dashboard/{dashboardId}/charts", cancellationToken) is { } list && list.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Array)
            {
                foreach (var chart in result.EnumerateArray())
                {
                    if (chart.TryGetProperty("form_data", out var form) && form.ValueKind == JsonValueKind.Object
                        && form.TryGetProperty(SupersetFormData.ChartKey, out var key) && key.ValueKind == JsonValueKind.String && chart.TryGetProperty("id", out var id))
                    {
                        charts.TryAdd(key.GetString()!, id.GetInt64());
                    }
                }
            }
            return charts;
        }

        public async Task<long> ChartAsync(DashboardTemplate template, TemplateChart chart, long dashboardId, long datasetId, Dictionary<string, long> onDashboard)
        {
            var name = $"{template.Slug}/{chart.Key}";
            var form = SupersetFormData.Params(chart.Key, chart.Spec, datasetId);
            var found = await ByRecordAsync("chart", name, id => $"api/v1/chart/{id}", r => SupersetFormData.Read(Text(r, "params"))?.Key == chart.Key);
            if (found is null && onDashboard.TryGetValue(chart.Key, out var listed)) found = await ByPathAsync($"api/v1/chart/{listed}", _ => true);
            var body = new
            {
                slice_name = chart.Title, viz_type = SupersetFormData.VizType(chart.Spec.Viz), datasource_id = datasetId, datasource_type = "table",
                @params = form.ToJsonString(), dashboards = new[] { dashboardId },
            };
            long chartId;
            if (found is { } existing)
            {
                chartId = existing.Id;
                var r = existing.Result;
                var theirs = r is { } result ? SupersetFormData.Read(Text(result, "params")) : null;
                if (r is null || Text(r.Value, "slice_name") != chart.Title || theirs is null
                    || !JsonNode.DeepEquals(JsonSerializer.SerializeToNode(theirs.Value.Spec, BiJson.Options), JsonSerializer.SerializeToNode(chart.Spec, BiJson.Options)))
                {
                    await Client.PutAsync($"api/v1/chart/{chartId}", body, cancellationToken);
                    Did.Add($"chart {name} repaired");
                }
            }
            else
            {
                chartId = IdOf(await Client.PostAsync("api/v1/chart/", body, cancellationToken));
                Did.Add($"chart {name}");
            }
            await RecordAsync("chart", name, chartId, null);
            return chartId;
        }

        public async Task PositionsAsync(long dashboardId, DashboardTemplate template, DashboardLayout layout, Dictionary<string, (long Id, string Title)> charts)
        {
            var positions = SupersetFormData.Positions(layout, charts);
            var current = await Client.GetAsync($"api/v1/dashboard/{dashboardId}", cancellationToken);
            var shown = current is { } c && c.TryGetProperty("result", out var r) ? Text(r, "position_json") : null;
            if (shown is not null && JsonNode.DeepEquals(JsonNode.Parse(shown), positions)) return;
            await Client.PutAsync($"api/v1/dashboard/{dashboardId}", new { position_json = positions.ToJsonString() }, cancellationToken);
            Did.Add($"layout of {Slug(tenant, template)}");
        }

        public async Task TagAsync(IReadOnlyList<(int Type, long Id)> objects)
        {
            var tag = Tag(tenant);
            var tagged = new HashSet<(int, long)>();
            if (await Client.GetAsync("api/v1/tag/get_objects/?tags=" + Uri.EscapeDataString(tag), cancellationToken) is { } list
                && list.TryGetProperty("result", out var result) && result.ValueKind == JsonValueKind.Array)
            {
                foreach (var o in result.EnumerateArray())
                {
                    var type = o.TryGetProperty("type", out var t) ? t.ValueKind == JsonValueKind.Number ? t.GetInt32()
                        : BiObjects.TaggableTypes.FirstOrDefault(p => p.Value == t.GetString()).Key : 0;
                    if (o.TryGetProperty("id", out var id)) tagged.Add((type, id.GetInt64()));
                }
            }
            var added = 0;
            foreach (var (type, id) in objects.Distinct())
            {
                if (tagged.Contains((type, id))) continue;
                await Client.PostAsync($"api/v1/tag/{type}/{id}/", new { properties = new { tags = new[] { tag } } }, cancellationToken);
                added++;
            }
            if (added > 0) Did.Add($"tag {tag} on {added} object(s)");
        }

        public async Task<Guid> EmbeddedAsync(DashboardTemplate template, long dashboardId, string[] domains)
        {
            var current = await Client.GetAsync($"api/v1/dashboard/{dashboardId}/embedded", cancellationToken);
            Guid? uuid = null;
            if (current is { } c && c.TryGetProperty("result", out var r) && Guid.TryParse(Text(r, "uuid"), out var u)
                && r.TryGetProperty("allowed_domains", out var d) && d.ValueKind == JsonValueKind.Array
                && d.EnumerateArray().Select(x => x.GetString()).Order(StringComparer.Ordinal).SequenceEqual(domains.Order(StringComparer.Ordinal)))
            {
                uuid = u;
            }
            if (uuid is null)
            {
                var set = await Client.PostAsync($"api/v1/dashboard/{dashboardId}/embedded", new { allowed_domains = domains }, cancellationToken);
                uuid = set.TryGetProperty("result", out var result) && Guid.TryParse(Text(result, "uuid"), out var made) ? made
                    : throw new SupersetException(SupersetCheck.ApiVersion, $"The Superset at {baseUrl} answered POST …/embedded without a uuid.", "Use Superset 3.1 or later with the EMBEDDED_SUPERSET feature flag on.");
                Did.Add($"embedded configuration of {Slug(tenant, template)}");
            }
            await RecordAsync("embedded", template.Slug, dashboardId, uuid);
            return uuid.Value;
        }

        /// <summary>The object by its recorded id, when Superset still has it and it is ours (<paramref name="ours"/>); null otherwise.</summary>
        private async Task<(long Id, JsonElement? Result)?> ByRecordAsync(string kind, string name, Func<long, string> path, Func<JsonElement, bool> ours)
        {
            await using var connection = await owner.Platform.OpenConnectionAsync(cancellationToken);
            var id = await connection.QuerySingleOrDefaultAsync<long?>(new CommandDefinition(
                "SELECT remote_id FROM ipai_bi_external_object WHERE tenant_code = @code AND base_url = @baseUrl AND kind = @kind AND name = @name",
                new { code = tenant.Code, baseUrl, kind, name }, cancellationToken: cancellationToken));
            return id is { } recorded ? await ByPathAsync(path(recorded), ours) : null;
        }

        private async Task<(long Id, JsonElement? Result)?> ByPathAsync(string path, Func<JsonElement, bool> ours)
        {
            if (await Client.GetAsync(path, cancellationToken) is not { } found || !found.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object) return null;
            return ours(result) ? (IdOf(found), result) : null;
        }

        private async Task<(long Id, JsonElement? Result)?> ByListAsync(string path, string rison, Func<JsonElement, bool> ours)
        {
            if (await Client.GetAsync(path + "?q=" + Uri.EscapeDataString(rison), cancellationToken) is not { } list
                || !list.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Array)
            {
                return null;
            }
            foreach (var item in result.EnumerateArray())
            {
                if (ours(item) && item.TryGetProperty("id", out var id)) return await ByPathAsync(path + id.GetInt64().ToString(CultureInfo.InvariantCulture), _ => true);
            }
            return null;
        }

        private async Task RecordAsync(string kind, string name, long remoteId, Guid? remoteUuid)
        {
            await using var connection = await owner.Platform.OpenConnectionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO ipai_bi_external_object (tenant_code, base_url, kind, name, remote_id, remote_uuid) VALUES (@code, @baseUrl, @kind, @name, @remoteId, @remoteUuid)
                ON CONFLICT (tenant_code, base_url, kind, name) DO UPDATE SET remote_id = excluded.remote_id, remote_uuid = excluded.remote_uuid, recorded_at = now()
                WHERE (ipai_bi_external_object.remote_id, ipai_bi_external_object.remote_uuid) IS DISTINCT FROM (excluded.remote_id, excluded.remote_uuid)
                """, new { code = tenant.Code, baseUrl, kind, name, remoteId, remoteUuid }, cancellationToken: cancellationToken));
        }

        private long IdOf(JsonElement response) =>
            response.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.Number ? id.GetInt64()
            : response.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.Object && r.TryGetProperty("id", out var rid) && rid.ValueKind == JsonValueKind.Number ? rid.GetInt64()
            : throw new SupersetException(SupersetCheck.ApiVersion, $"The Superset at {baseUrl} answered without the object's id.", "Use Superset 3.1 or later; this client follows Superset 4.x's /api/v1.");

        private static string? Text(JsonElement element, string property) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
