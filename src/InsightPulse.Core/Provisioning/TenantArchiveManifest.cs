using System.Text.Json;
using System.Text.Json.Serialization;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// <c>manifest.json</c> of a tenant archive: the tenant record, its modules, and each part (the tenant database,
/// the tenant schema, the tenant's rows in a shared database) with its file's SHA-256 and, per table, the row
/// count and a checksum of the rows, so a restore can prove it brought back exactly what was archived.
/// </summary>
public sealed record TenantArchiveManifest(
    int FormatVersion,
    string Tenant,
    DateTimeOffset CreatedAt,
    string ServerVersion,
    Tenant Record,
    IReadOnlyList<TenantArchiveManifest.ModuleVersion> Modules,
    IReadOnlyList<TenantArchiveManifest.Part> Parts)
{
    public const string FileName = "manifest.json";
    public const int CurrentFormat = 1;

    public sealed record ModuleVersion(string Name, string Version);

    /// <summary>
    /// One part: <c>database</c> (pg_dump of the tenant database), <c>schema</c> (pg_dump of the tenant schema in
    /// the shared data database) or <c>rows</c> (the tenant's rows of the platform database's module tables, for
    /// tenants that share it; one COPY file per table under <see cref="File"/>).
    /// </summary>
    public sealed record Part(string Kind, string Name, string File, string Sha256, IReadOnlyList<TableChecksum> Tables);

    public sealed record TableChecksum(string Table, long Rows, string Checksum);

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public static TenantArchiveManifest Read(string archive)
    {
        var path = Path.Combine(archive, FileName);
        if (!System.IO.File.Exists(path)) throw new ProvisioningException($"'{archive}' is not a tenant archive: it has no {FileName}.");
        var manifest = JsonSerializer.Deserialize<TenantArchiveManifest>(System.IO.File.ReadAllText(path), Json)
            ?? throw new ProvisioningException($"{path} is empty.");
        if (manifest.FormatVersion != CurrentFormat) throw new ProvisioningException($"{path} has format {manifest.FormatVersion}; this build reads format {CurrentFormat}.");
        return manifest;
    }
}
