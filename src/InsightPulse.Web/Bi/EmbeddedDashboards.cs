using System.Globalization;
using System.Text;
using System.Text.Json;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using Microsoft.AspNetCore.Mvc;

namespace InsightPulse.Web.Bi;

/// <summary>
/// The embedded side, as Superset serves it to its embedded SDK: <c>GET /embedded/{uuid}</c> (404 for a uuid this
/// host's tenant does not embed; 403 when the embedding page's origin is not in <c>allowed_domains</c>;
/// <c>frame-ancestors</c> from them), and the data paths its page calls with the guest token in
/// <c>X-GuestToken</c>: the dashboard, a native filter's values, chart data (JSON) and its CSV export. Every data
/// path validates the token (signature, algorithm, expiry, audience, type) and that it names the dashboard; charts
/// run as the BI role under row-level security with the token's RLS rules added.
/// </summary>
public static class EmbeddedDashboards
{
    public static IEndpointRouteBuilder MapEmbeddedDashboards(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/embedded/{uuid}", EmbeddedPageAsync).AllowAnonymous().ExcludeFromDescription();
        var api = endpoints.MapGroup("/api/v1").AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        // One path, two callers, as in Superset: a signed-in back end (bearer) or the embedded page (guest token).
        api.MapGet("/dashboard/{idOrSlug}", (string idOrSlug, HttpContext http, GuestAccess access, BiMetadata metadata, BiObjects objects, CancellationToken ct) =>
            http.Request.Headers.Authorization.Count > 0
                ? SupersetManagementApi.DashboardAsync(idOrSlug, http, metadata, objects, ct)
                : DashboardAsync(idOrSlug, http, access, metadata, ct));
        api.MapGet("/dashboard/{idOrSlug}/filter/{key}/values", FilterValuesAsync);
        api.MapPost("/chart/data", ChartDataAsync);
        api.MapGet("/chart/{chartId:long}/data", ChartCsvAsync);
        return endpoints;
    }

    private static async Task<IResult> EmbeddedPageAsync(string uuid, HttpContext http, BiMetadata metadata, CancellationToken cancellationToken)
    {
        var tenant = RequestTenant.Get(http);
        var dashboard = Guid.TryParse(uuid, out var id) ? await metadata.EmbeddedAsync(tenant.Code, id, cancellationToken) : null;
        if (dashboard is null) return Results.Text("Not found", "text/plain", statusCode: StatusCodes.Status404NotFound);
        if (!AllowedDomains.Allows(dashboard.AllowedDomains, http.Request.Headers.Referer))
        {
            return Results.Text("This page may not embed this dashboard: its origin is not in the dashboard's allowed domains.", "text/plain", statusCode: StatusCodes.Status403Forbidden);
        }
        http.Response.OnStarting(() =>
        {
            http.Response.Headers.ContentSecurityPolicy = SecurityHeadersMiddleware.ContentSecurityPolicy
                .Replace("frame-ancestors 'self'", "frame-ancestors " + AllowedDomains.FrameAncestors(dashboard.AllowedDomains), StringComparison.Ordinal);
            // The embedding page's origin differs from ours: it must receive nothing but the frame.
            http.Response.Headers["Referrer-Policy"] = "same-origin";
            return Task.CompletedTask;
        });
        var page = HtmlDocument.Page(dashboard.Title, Html.Of($"""
            <div id="bi-dashboard" class="bi-embedded" data-embedded-uuid="{dashboard.EmbeddedUuid.ToString()}"></div>
            <link rel="stylesheet" href="/assets/bi/bi.css">
            <script src="/assets/vendor/echarts.min.js"></script>
            <script src="/assets/bi/embedded.js"></script>
            """));
        return HtmlResults.Page(page);
    }

    private static Task<IResult> DashboardAsync(string idOrSlug, HttpContext http, GuestAccess access, BiMetadata metadata, CancellationToken cancellationToken) =>
        WithDashboardAsync(http, access, idOrSlug, async (dashboard, _) =>
        {
            var charts = await metadata.ChartsAsync(dashboard.TenantCode, dashboard.Id, cancellationToken);
            var byKey = charts.ToDictionary(c => c.Key, StringComparer.Ordinal);
            return Results.Json(new
            {
                result = new
                {
                    id = dashboard.Id,
                    uuid = dashboard.Uuid,
                    slug = dashboard.Slug,
                    dashboard_title = dashboard.Title,
                    description = dashboard.Description,
                    refresh_seconds = dashboard.RefreshSeconds,
                    tabs = dashboard.Layout.Tabs.Select(t => new
                    {
                        key = t.Key,
                        title = t.Title,
                        charts = t.Charts.Where(c => byKey.ContainsKey(c.Key)).Select(c => new { id = byKey[c.Key].Id, width = c.Width }),
                    }),
                    native_filters = dashboard.Layout.NativeFilters.Select(f => new { key = f.Key, label = f.Label, kind = f.Kind, column = f.Column }),
                    charts = charts.Select(c => new { id = c.Id, uuid = c.Uuid, key = c.Key, slice_name = c.SliceName, viz_type = c.VizType, spec = c.Spec, broken = c.BrokenReason }),
                },
            }, BiJson.Options);
        }, cancellationToken);

    private static Task<IResult> FilterValuesAsync(string idOrSlug, string key, HttpContext http, GuestAccess access, BiMetadata metadata, ChartDataService charts, CancellationToken cancellationToken) =>
        WithDashboardAsync(http, access, idOrSlug, async (dashboard, claims) =>
        {
            var filter = dashboard.Layout.NativeFilters.FirstOrDefault(f => f.Key == key && f.Kind == "select");
            var dataset = filter is null ? null : await metadata.DatasetAsync(dashboard.TenantCode, filter.Dataset, cancellationToken);
            if (filter is null || dataset is null) return Message(StatusCodes.Status404NotFound, $"The dashboard has no select filter '{Core.Postgres.Sql.Printable(key)}'.");
            // The filter's values: one row per distinct value (grouped), in order, under the same RLS as the charts.
            var spec = new ChartSpec
            {
                Viz = "table", Groupby = [filter.Column], Metrics = [new ChartMetric { Aggregate = "count", Label = "rows" }],
                OrderBy = filter.Column, OrderDesc = false, RowLimit = 500,
            };
            var values = new WorkspaceChart(0, Guid.Empty, dashboard.Id, dataset.Id, "filter_" + filter.Key, filter.Label, "table", spec, null);
            var (rls, rlsKey) = GuestRls.For(claims.RlsRules, dataset);
            var data = await charts.QueryAsync(RequestTenant.Get(http), values, dataset, dashboard.RefreshSeconds, [], rls, rlsKey, cancellationToken);
            return Results.Json(new { result = data.Rows.Select(r => r[0]).Where(v => v is not null) });
        }, cancellationToken);

    private static async Task<IResult> ChartDataAsync(ChartDataRequest body, HttpContext http, GuestAccess access, CancellationToken cancellationToken)
    {
        var (data, error) = await RunAsync(http, access, body.DashboardId.ToString(CultureInfo.InvariantCulture), body.ChartId, body.ExtraFilters ?? [], cancellationToken);
        if (error is not null) return error;
        return Results.Json(new
        {
            result = new[]
            {
                new
                {
                    colnames = data!.Colnames,
                    coltypes = data.Coltypes.Select(t => (int)t),
                    data = data.Rows.Select(row => data.Colnames.Select((name, i) => (name, value: row[i])).ToDictionary(x => x.name, x => x.value)),
                    rowcount = data.Rows.Count,
                    is_cached = data.IsCached,
                    cached_dttm = data.CachedAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                },
            },
        });
    }

    private static async Task<IResult> ChartCsvAsync(
        long chartId, string? format, [FromQuery(Name = "dashboard_id")] long? dashboardId, [FromQuery(Name = "extra_filters")] string? extraFilters,
        HttpContext http, GuestAccess access, CancellationToken cancellationToken)
    {
        if (format != "csv") return Message(StatusCodes.Status400BadRequest, "format: only csv is exported here; chart data as JSON is POST /api/v1/chart/data.");
        if (dashboardId is null) return Message(StatusCodes.Status400BadRequest, "dashboard_id: name the dashboard the chart is on.");
        IReadOnlyList<ChartFilter> filters;
        try
        {
            filters = string.IsNullOrEmpty(extraFilters) ? [] : JsonSerializer.Deserialize<List<ChartFilter>>(extraFilters, BiJson.Options) ?? [];
        }
        catch (JsonException)
        {
            return Message(StatusCodes.Status400BadRequest, "extra_filters: a JSON list of {column, op, values}, as POST /api/v1/chart/data takes it.");
        }
        var (data, error) = await RunAsync(http, access, dashboardId.Value.ToString(CultureInfo.InvariantCulture), chartId, filters, cancellationToken);
        if (error is not null) return error;
        var csv = new StringBuilder();
        csv.AppendJoin(',', data!.Colnames.Select(Csv)).Append("\r\n");
        foreach (var row in data.Rows) csv.AppendJoin(',', row.Select(v => Csv(Convert.ToString(v, CultureInfo.InvariantCulture)))).Append("\r\n");
        return Results.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv; charset=utf-8", $"chart-{chartId.ToString(CultureInfo.InvariantCulture)}.csv");
    }

    /// <summary>A chart of a dashboard the token names, run with the token's RLS rules; or the error response.</summary>
    private static async Task<(ChartData? Data, IResult? Error)> RunAsync(HttpContext http, GuestAccess access, string dashboardId, long chartId, IReadOnlyList<ChartFilter> filters, CancellationToken cancellationToken)
    {
        ChartData? data = null;
        var error = await WithDashboardAsync(http, access, dashboardId, async (dashboard, claims) =>
        {
            var metadata = http.RequestServices.GetRequiredService<BiMetadata>();
            var found = await metadata.ChartAsync(dashboard.TenantCode, chartId, cancellationToken);
            if (found is not { } pair || pair.Chart.DashboardId != dashboard.Id)
            {
                return Message(StatusCodes.Status404NotFound, "The dashboard has no such chart.");
            }
            var (rls, rlsKey) = GuestRls.For(claims.RlsRules, pair.Dataset);
            data = await http.RequestServices.GetRequiredService<ChartDataService>().QueryAsync(
                RequestTenant.Get(http), pair.Chart, pair.Dataset, dashboard.RefreshSeconds, filters, rls, rlsKey, cancellationToken);
            return Results.Empty;
        }, cancellationToken);
        return data is null ? (null, error) : (data, null);
    }

    private static async Task<IResult> WithDashboardAsync(HttpContext http, GuestAccess access, string idOrSlug, Func<WorkspaceDashboard, GuestTokenClaims, Task<IResult>> then, CancellationToken cancellationToken)
    {
        GuestTokenClaims claims;
        try
        {
            claims = access.Claims(http.Request);
        }
        catch (GuestTokenException e)
        {
            return Message(StatusCodes.Status401Unauthorized, GuestTokenException.MessageFor(e.Reason));
        }
        var dashboard = await access.DashboardAsync(RequestTenant.Get(http), claims, idOrSlug, cancellationToken);
        if (dashboard is null) return Message(StatusCodes.Status403Forbidden, "The guest token does not grant this dashboard.");
        try
        {
            return await then(dashboard, claims);
        }
        catch (ChartSpecException e)
        {
            return Message(StatusCodes.Status400BadRequest, e.Message);
        }
        catch (ChartBrokenException e)
        {
            // A chart (or a filter's values) whose dataset no longer has a column it names: the page draws it as broken.
            return ApiProblem.Of(StatusCodes.Status422UnprocessableEntity, e.Message, extensions: new Dictionary<string, object?> { ["broken"] = true });
        }
    }

    private static IResult Message(int status, string message) => ApiProblem.Of(status, message);

    /// <summary>A CSV field (RFC 4180), with a leading quote on text a spreadsheet would run as a formula.</summary>
    internal static string Csv(string? value)
    {
        if (value is null) return "";
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r' && !decimal.TryParse(value, NumberStyles.Number, CultureInfo.InvariantCulture, out _)) value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }

    internal sealed record ChartDataRequest(long DashboardId, long ChartId, IReadOnlyList<ChartFilter>? ExtraFilters);
}
