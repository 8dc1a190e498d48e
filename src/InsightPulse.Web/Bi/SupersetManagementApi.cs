using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Superset;
using InsightPulse.Web.Hosting;

namespace InsightPulse.Web.Bi;

/// <summary>
/// The part of Superset's REST API with which another platform provisions a workspace here, as it would in an
/// external Superset: database connections (<c>/api/v1/database/</c>, password never returned, <c>test_connection</c>),
/// datasets over them (<c>/api/v1/dataset/</c>, columns read over the connection), dashboards
/// (<c>/api/v1/dashboard/</c>, the layout read from Superset's <c>position_json</c> and <c>native_filter_configuration</c>), charts (<c>/api/v1/chart/</c>, our spec
/// in <c>params.ipai_spec</c>, one dashboard each), and tags (<c>/api/v1/tag/{type}/{id}/</c>, <c>get_objects</c>).
/// Lists take Flask-AppBuilder's rison <c>q</c> with <c>eq</c> filters (and <c>rel_o_m</c> on a dataset's database).
/// Callers sign in as the host tenant's <c>bi_service</c> (bearer from <c>/api/v1/security/login</c>; writes also send
/// <c>X-CSRFToken</c>) and act in that tenant's workspace only; what several client platforms make there is told
/// apart by its tags and names.
/// </summary>
public static class SupersetManagementApi
{
    public static IEndpointRouteBuilder MapSupersetManagementApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/api/v1").AllowAnonymous().DisableAntiforgery().ExcludeFromDescription().RequireRateLimiting(Auth.RateLimits.Api);
        // Every body of this API is a JSON object: an array or a number is refused before any handler reads it.
        api.AddEndpointFilter((context, next) => context.Arguments.OfType<JsonElement>().Any(body => body.ValueKind != JsonValueKind.Object)
            ? ValueTask.FromResult<object?>(ApiProblem.Of(StatusCodes.Status400BadRequest, "The body is a JSON object of this endpoint's fields.", "$"))
            : next(context));
        api.MapGet("/database/", (string? q, HttpContext http, BiDatabases connections, CancellationToken ct) => Signed(http, false, async code =>
        {
            var filters = Filters(q, "database_name");
            var list = await connections.ListAsync(code, filters.GetValueOrDefault("database_name") as string, ct);
            return List(list.Select(Database));
        }));
        api.MapPost("/database/", (JsonElement body, HttpContext http, BiDatabases connections, CancellationToken ct) => SignedOnPlatform(http, async code =>
        {
            var made = await connections.CreateAsync(code, Text(body, "database_name") ?? "", Text(body, "sqlalchemy_uri") ?? "", ct);
            return Results.Json(new { id = made.Id, result = Database(made) }, statusCode: StatusCodes.Status201Created);
        }));
        api.MapGet("/database/{id:long}", (long id, HttpContext http, BiDatabases connections, CancellationToken ct) => Signed(http, false, async code =>
            await connections.GetAsync(code, id, ct) is { } found ? Results.Json(new { id, result = Database(found) }) : NotFound()));
        api.MapPut("/database/{id:long}", (long id, JsonElement body, HttpContext http, BiDatabases connections, CancellationToken ct) => SignedOnPlatform(http, async code =>
            await connections.UpdateAsync(code, id, Text(body, "database_name"), Text(body, "sqlalchemy_uri"), ct) is { } changed ? Results.Json(new { id, result = Database(changed) }) : NotFound()));
        api.MapPost("/database/test_connection/", (JsonElement body, HttpContext http, BiDatabases connections, CancellationToken ct) => SignedOnPlatform(http, async _ =>
        {
            await connections.TestAsync(Text(body, "sqlalchemy_uri") ?? "", ct);
            return Results.Json(new { message = "OK" });
        }));

        api.MapGet("/dataset/", (string? q, HttpContext http, BiObjects objects, BiDatabases connections, CancellationToken ct) => Signed(http, false, async code =>
        {
            var filters = Filters(q, "table_name", "schema", "database");
            var list = await objects.DatasetsAsync(code, filters.GetValueOrDefault("table_name") as string, filters.GetValueOrDefault("schema") as string,
                filters.GetValueOrDefault("database") is { } db ? DatabaseId(db) : null, ct);
            var names = (await connections.ListAsync(code, null, ct)).ToDictionary(d => d.Id, d => d.DatabaseName);
            return List(list.Select(d => DatasetJson(d, names, withColumns: false)));
        }));
        api.MapPost("/dataset/", (JsonElement body, HttpContext http, BiObjects objects, BiDatabases connections, CancellationToken ct) => Signed(http, true, async code =>
        {
            if (Number(body, "database") is not { } databaseId || await connections.GetAsync(code, databaseId, ct) is not { } database)
            {
                return Message(StatusCodes.Status422UnprocessableEntity, "database: name a database connection of this workspace.");
            }
            var made = await objects.CreateDatasetAsync(code, databaseId, Text(body, "schema") ?? "public", Text(body, "table_name") ?? "", ct);
            return Results.Json(new { id = made.Id, result = DatasetJson(made, new Dictionary<long, string> { [database.Id] = database.DatabaseName }, withColumns: false) }, statusCode: StatusCodes.Status201Created);
        }));
        api.MapGet("/dataset/{id:long}", (long id, HttpContext http, BiMetadata metadata, BiDatabases connections, CancellationToken ct) => Signed(http, false, async code =>
        {
            if (await metadata.DatasetAsync(code, id, ct) is not { } dataset) return NotFound();
            var names = (await connections.ListAsync(code, null, ct)).ToDictionary(d => d.Id, d => d.DatabaseName);
            return Results.Json(new { id, result = DatasetJson(dataset, names, withColumns: true) });
        }));

        // Superset's refresh of a dataset's columns: here the workspace's datasets are read again (over their connections),
        // and charts whose columns vanished are marked broken, those whose columns returned healed.
        api.MapPut("/dataset/{id:long}/refresh", (long id, HttpContext http, BiMetadata metadata, DatasetRefresh refresh, CancellationToken ct) => Signed(http, true, async code =>
        {
            if (await metadata.DatasetAsync(code, id, ct) is null) return NotFound();
            await refresh.RefreshAsync(code, ct);
            return Results.Json(new { message = "OK" });
        }));

        api.MapPost("/dashboard/", (JsonElement body, HttpContext http, BiObjects objects, BiMetadata metadata, CancellationToken ct) => Signed(http, true, async code =>
        {
            var slug = Text(body, "slug") ?? "dashboard-" + Guid.NewGuid().ToString("N")[..8];
            var title = Text(body, "dashboard_title") ?? slug;
            var (jsonMetadata, positionJson) = (Text(body, "json_metadata"), Text(body, "position_json"));
            var (layout, refresh) = await LayoutAsync(code, null, title, jsonMetadata, positionJson, metadata, ct);
            var made = await objects.CreateDashboardAsync(code, slug, title, layout, refresh ?? 300, jsonMetadata, positionJson, ct);
            return Results.Json(new { id = made.Id, result = new { dashboard_title = made.Title, slug = made.Slug } }, statusCode: StatusCodes.Status201Created);
        }));
        api.MapPut("/dashboard/{id:long}", (long id, JsonElement body, HttpContext http, BiObjects objects, BiMetadata metadata, CancellationToken ct) => Signed(http, true, async code =>
        {
            if (await metadata.DashboardAsync(code, id.ToString(CultureInfo.InvariantCulture), ct) is not { } dashboard) return NotFound();
            // What the PUT leaves out stays: the layout is read from the documents as they will be.
            var stored = await objects.SupersetDocumentsAsync(code, id, ct);
            var (jsonMetadata, positionJson) = (Text(body, "json_metadata"), Text(body, "position_json"));
            var title = Text(body, "dashboard_title") ?? dashboard.Title;
            var (layout, refresh) = await LayoutAsync(code, id, title, jsonMetadata ?? stored.JsonMetadata, positionJson ?? stored.PositionJson, metadata, ct);
            var changed = await objects.UpdateDashboardAsync(code, id, Text(body, "slug"), Text(body, "dashboard_title"), layout, refresh, jsonMetadata, positionJson, ct);
            return changed is null ? NotFound() : Results.Json(new { id, result = new { dashboard_title = changed.Title, slug = changed.Slug } });
        }));
        api.MapGet("/dashboard/{idOrSlug}/charts", (string idOrSlug, HttpContext http, BiMetadata metadata, CancellationToken ct) => Signed(http, false, async code =>
        {
            if (await metadata.DashboardAsync(code, idOrSlug, ct) is not { } dashboard) return NotFound();
            var charts = await metadata.ChartsAsync(code, dashboard.Id, ct);
            return Results.Json(new
            {
                result = charts.Select(c => new { id = c.Id, slice_name = c.SliceName, viz_type = SupersetFormData.VizType(c.VizType), form_data = SupersetFormData.Params(c.Key, c.Spec, c.DatasetId) }),
            });
        }));

        api.MapPost("/chart/", (JsonElement body, HttpContext http, BiObjects objects, BiMetadata metadata, CancellationToken ct) => Signed(http, true, async code =>
        {
            var (dashboardId, dataset, key, spec, error) = await ChartRequestAsync(code, body, metadata, ct);
            if (error is not null) return error;
            var id = await objects.CreateChartAsync(code, dashboardId, dataset!, key!, Text(body, "slice_name") ?? key!, spec!, ct);
            return Results.Json(new { id, result = new { slice_name = Text(body, "slice_name"), viz_type = SupersetFormData.VizType(spec!.Viz) } }, statusCode: StatusCodes.Status201Created);
        }));
        api.MapGet("/chart/{id:long}", (long id, HttpContext http, BiMetadata metadata, CancellationToken ct) => Signed(http, false, async code =>
        {
            if (await metadata.ChartAsync(code, id, ct) is not { } found) return NotFound();
            var (chart, dataset) = found;
            var dashboard = await metadata.DashboardAsync(code, chart.DashboardId.ToString(CultureInfo.InvariantCulture), ct);
            return Results.Json(new
            {
                id,
                result = new
                {
                    id, slice_name = chart.SliceName, viz_type = SupersetFormData.VizType(chart.VizType), datasource_id = dataset.Id, datasource_type = "table",
                    @params = SupersetFormData.Params(chart.Key, chart.Spec, dataset.Id).ToJsonString(),
                    dashboards = new[] { new { id = chart.DashboardId, dashboard_title = dashboard?.Title } },
                },
            });
        }));
        api.MapPut("/chart/{id:long}", (long id, JsonElement body, HttpContext http, BiObjects objects, BiMetadata metadata, CancellationToken ct) => Signed(http, true, async code =>
        {
            if (await metadata.ChartAsync(code, id, ct) is not { } found) return NotFound();
            var (_, dataset, _, spec, error) = await ChartRequestAsync(code, body, metadata, ct, found.Chart.DashboardId);
            if (error is not null) return error;
            await objects.UpdateChartAsync(code, id, dataset!, Text(body, "slice_name") ?? found.Chart.SliceName, spec!, ct);
            return Results.Json(new { id, result = new { slice_name = Text(body, "slice_name") ?? found.Chart.SliceName } });
        }));

        api.MapPost("/tag/{objectType:int}/{objectId:long}/", (int objectType, long objectId, JsonElement body, HttpContext http, BiObjects objects, CancellationToken ct) => Signed(http, true, async code =>
        {
            var tags = body.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object && p.TryGetProperty("tags", out var t) && t.ValueKind == JsonValueKind.Array
                && t.EnumerateArray().All(x => x.ValueKind == JsonValueKind.String)
                ? t.EnumerateArray().Select(x => x.GetString()!).Where(x => x.Trim().Length > 0).ToList() : null;
            if (tags is null) return Message(StatusCodes.Status400BadRequest, "Missing required field 'tags' in 'properties': a list of texts.", "properties.tags");
            return await objects.TagAsync(code, objectType, objectId, tags, ct) ? Results.Json(new { }, statusCode: StatusCodes.Status201Created) : NotFound();
        }));
        api.MapGet("/tag/get_objects/", (string? tags, HttpContext http, BiObjects objects, CancellationToken ct) => Signed(http, false, async code =>
        {
            var names = (tags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var tagged = await objects.TaggedAsync(code, names, ct);
            return Results.Json(new { result = tagged.Select(o => new { id = o.Id, type = o.Type, name = o.Name, tags = new[] { new { name = o.Tag } } }) });
        }));
        return endpoints;
    }

    /// <summary>GET /api/v1/dashboard/{id_or_slug} for a signed-in caller (the guest-token caller is the embedded page's).</summary>
    internal static Task<IResult> DashboardAsync(string idOrSlug, HttpContext http, BiMetadata metadata, BiObjects objects, CancellationToken cancellationToken) =>
        Signed(http, false, async code =>
        {
            if (await metadata.DashboardAsync(code, idOrSlug, cancellationToken) is not { } dashboard) return NotFound();
            var (jsonMetadata, positionJson) = await objects.SupersetDocumentsAsync(code, dashboard.Id, cancellationToken);
            return Results.Json(new
            {
                id = dashboard.Id,
                result = new
                {
                    id = dashboard.Id, slug = dashboard.Slug, dashboard_title = dashboard.Title, published = true,
                    json_metadata = jsonMetadata ?? new JsonObject { ["refresh_frequency"] = dashboard.RefreshSeconds }.ToJsonString(), position_json = positionJson,
                    url = $"/superset/dashboard/{dashboard.Slug}/",
                },
            });
        });

    private static async Task<(long DashboardId, Dataset? Dataset, string? Key, ChartSpec? Spec, IResult? Error)> ChartRequestAsync(
        string code, JsonElement body, BiMetadata metadata, CancellationToken cancellationToken, long? dashboardId = null)
    {
        var read = SupersetFormData.Read(Text(body, "params"));
        if (read is null) return (0, null, null, null, Message(StatusCodes.Status400BadRequest, $"params: carry {SupersetFormData.SpecKey} and {SupersetFormData.ChartKey}: this BI service draws charts from a structured spec, not from Superset's form data alone."));
        if (body.TryGetProperty("dashboards", out var dashboards) && dashboards.ValueKind == JsonValueKind.Array)
        {
            if (dashboards.GetArrayLength() != 1) return (0, null, null, null, Message(StatusCodes.Status400BadRequest, "dashboards: this BI service places a chart on exactly one dashboard.", "dashboards"));
            if (dashboards[0].ValueKind != JsonValueKind.Number || !dashboards[0].TryGetInt64(out var named))
            {
                return (0, null, null, null, Message(StatusCodes.Status400BadRequest, "dashboards: name the dashboard by its numeric id.", "dashboards"));
            }
            dashboardId = named;
        }
        if (dashboardId is null || await metadata.DashboardAsync(code, dashboardId.Value.ToString(CultureInfo.InvariantCulture), cancellationToken) is null)
        {
            return (0, null, null, null, Message(StatusCodes.Status422UnprocessableEntity, "dashboards: name one dashboard of this workspace."));
        }
        if (Number(body, "datasource_id") is not { } datasetId || await metadata.DatasetAsync(code, datasetId, cancellationToken) is not { } dataset)
        {
            return (0, null, null, null, Message(StatusCodes.Status422UnprocessableEntity, "datasource_id: name a dataset of this workspace."));
        }
        return (dashboardId.Value, dataset, read.Value.Key, read.Value.Spec, null);
    }

    /// <summary>
    /// Our layout and refresh interval from a dashboard's Superset documents (<see cref="SupersetFormData.Layout"/>):
    /// charts named by id are this dashboard's (their keys), native filters' dataset ids become the datasets' names.
    /// </summary>
    private static async Task<(DashboardLayout Layout, int? Refresh)> LayoutAsync(
        string code, long? dashboardId, string title, string? jsonMetadata, string? positionJson, BiMetadata metadata, CancellationToken cancellationToken)
    {
        var meta = Parse(jsonMetadata, "json_metadata");
        var positions = Parse(positionJson, "position_json");
        int? refresh = meta?["refresh_frequency"] is JsonValue r && r.TryGetValue<int>(out var seconds) && seconds > 0 ? Math.Clamp(seconds, 10, 86400) : null;
        var keys = dashboardId is { } id ? (await metadata.ChartsAsync(code, id, cancellationToken)).ToDictionary(c => c.Id, c => c.Key) : [];
        var layout = SupersetFormData.Layout(positions, meta?["native_filter_configuration"] as JsonArray, title, chartId => keys.GetValueOrDefault(chartId));
        var filters = new List<NativeFilter>();
        foreach (var filter in layout.NativeFilters)
        {
            var dataset = long.TryParse(filter.Dataset, NumberStyles.None, CultureInfo.InvariantCulture, out var datasetId) ? await metadata.DatasetAsync(code, datasetId, cancellationToken) : null;
            if (dataset is null) throw new ChartSpecException($"json_metadata: native filter '{filter.Key}' names dataset '{filter.Dataset}', which this workspace does not have.");
            filters.Add(filter with { Dataset = dataset.Name });
        }
        return (layout with { NativeFilters = filters }, refresh);
    }

    private static JsonObject? Parse(string? json, string field)
    {
        if (string.IsNullOrWhiteSpace(json)) return null;
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new ChartSpecException($"{field}: a JSON object.");
        }
        catch (JsonException e)
        {
            throw new ChartSpecException($"{field}: {Core.Errors.JsonErrors.Describe(e).Text}");
        }
    }

    /// <summary>Runs <paramref name="then"/> for a caller signed in as the host tenant's service account (writes: with its CSRF token).</summary>
    /// <summary>
    /// A write that makes this host connect to a server the caller names (a database connection): only for the
    /// platform tenant's <c>bi_service</c>, the account another platform uses here as Superset's administrator. A
    /// tenant's own <c>bi_service</c> (there to sign embedding requests) cannot point our servers at another host.
    /// </summary>
    private static Task<IResult> SignedOnPlatform(HttpContext http, Func<string, Task<IResult>> then) =>
        RequestTenant.Get(http).Code == Core.Tenants.Tenant.PlatformCode
            ? Signed(http, true, then)
            : Task.FromResult(Message(StatusCodes.Status403Forbidden, "Database connections are made by the platform's BI service account only."));

    private static async Task<IResult> Signed(HttpContext http, bool write, Func<string, Task<IResult>> then)
    {
        var access = http.RequestServices.GetRequiredService<BiAccessTokens>();
        if (SupersetApi.Authorized(http, access) is not { } authorization) return SupersetApi.NotAuthorized();
        if (write && !access.CsrfMatches(authorization, http.Request.Headers["X-CSRFToken"]))
        {
            return Message(StatusCodes.Status400BadRequest, "The CSRF token is missing or does not match: GET /api/v1/security/csrf_token/ first.");
        }
        try
        {
            return await then(RequestTenant.Get(http).Code);
        }
        catch (Exception e) when (e is BiWorkspaceException or ChartSpecException or FormatException)
        {
            return Message(StatusCodes.Status422UnprocessableEntity, e.Message);
        }
    }

    /// <summary>The <c>eq</c> filters of a rison <c>q</c> (and <c>rel_o_m</c>), by column; a column outside <paramref name="columns"/> is refused.</summary>
    private static Dictionary<string, object?> Filters(string? q, params string[] columns)
    {
        var found = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(q)) return found;
        object? decoded;
        try
        {
            decoded = Rison.Decode(q);
        }
        catch (FormatException e)
        {
            throw new FormatException($"q: {e.Message}", e);
        }
        if (decoded is not IDictionary<string, object?> query) throw new FormatException("q: a rison object, e.g. (filters:!((col:…,opr:eq,value:…))).");
        if (!query.TryGetValue("filters", out var list) || list is not List<object?> filters) return found;
        foreach (var filter in filters.OfType<IDictionary<string, object?>>())
        {
            var column = filter.TryGetValue("col", out var c) ? c as string : null;
            var op = filter.TryGetValue("opr", out var o) ? o as string : null;
            if (column is null || !columns.Contains(column) || op is not ("eq" or "rel_o_m"))
            {
                throw new FormatException($"q: this BI service filters on {string.Join(", ", columns)} with eq only (got {column} {op}).");
            }
            found[column] = filter.TryGetValue("value", out var v) ? v : null;
        }
        return found;
    }

    private static object Database(BiDatabase d) => new
    {
        id = d.Id, uuid = d.Uuid, database_name = d.DatabaseName, sqlalchemy_uri = d.MaskedUri, backend = "postgresql", expose_in_sqllab = false, allow_dml = false,
    };

    private static object DatasetJson(Dataset d, IReadOnlyDictionary<long, string> databases, bool withColumns) => new
    {
        id = d.Id, uuid = d.Uuid, table_name = d.Relation, schema = d.SchemaName, kind = "physical",
        database = d.DatabaseId is { } db ? new { id = db, database_name = databases.GetValueOrDefault(db) } : null,
        columns = withColumns ? d.Columns.Select(c => new { column_name = c.Name, type = c.Type, is_dttm = c.IsTemporal }) : null,
    };

    private static IResult List<T>(IEnumerable<T> items)
    {
        var result = items.ToList();
        return Results.Json(new { count = result.Count, result });
    }

    private static string? Text(JsonElement body, string property) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long? Number(JsonElement body, string property) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;

    /// <summary>The database of a dataset filter: a whole number (rison gives a number or text).</summary>
    private static long DatabaseId(object value) =>
        long.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw new FormatException("q: the database filter is a database connection's numeric id.");

    private static IResult NotFound() => Message(StatusCodes.Status404NotFound, "Not found");

    private static IResult Message(int status, string message, string? field = null) => ApiProblem.Of(status, message, field);
}
