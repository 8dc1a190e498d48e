using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// <c>/assets/…</c>: the stylesheets and scripts embedded in this assembly, sub-folders included (<c>/assets/bi/embedded.js</c>,
/// <c>/assets/vendor/echarts.min.js</c>). Only names that exist as embedded resources are served: the path is a dictionary key,
/// never a file-system path. Our own files are cached for an hour, the npm vendor files (pinned by package-lock.json) for a
/// week; every answer carries an ETag, so a revalidation costs a 304.
/// </summary>
public static class AssetEndpoints
{
    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    public static IEndpointRouteBuilder MapAssets(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/assets/{**path}", (string path, HttpContext http) =>
        {
            if (!Assets.TryGetValue(path, out var asset)) return Results.NotFound();
            var headers = http.Response.Headers;
            headers.CacheControl = path.StartsWith("vendor/", StringComparison.Ordinal) ? "public, max-age=604800" : "public, max-age=3600";
            headers.ETag = asset.ETag;
            if (Matches(http.Request.Headers.IfNoneMatch, asset.ETag)) return Results.StatusCode(StatusCodes.Status304NotModified);
            return Results.Bytes(asset.Bytes, asset.ContentType);
        }).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGet("/favicon.ico", () => Results.NotFound()).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static bool Matches(Microsoft.Extensions.Primitives.StringValues ifNoneMatch, string etag)
    {
        foreach (var value in ifNoneMatch)
        {
            foreach (var tag in (value ?? "").Split(',', StringSplitOptions.TrimEntries))
            {
                if (tag == etag || tag == "W/" + etag) return true;
            }
        }
        return false;
    }

    /// <summary>The names served under <c>/assets/</c> (for tests and diagnostics).</summary>
    internal static IReadOnlyCollection<string> Names => Assets.Keys;

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("assets/", StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var name = resource["assets/".Length..];
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".json" or ".map" => "application/json; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".png" => "image/png",
                ".woff2" => "font/woff2",
                _ => "application/octet-stream",
            };
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 12)) + "\"";
            assets[name] = new Asset(bytes, type, etag);
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
