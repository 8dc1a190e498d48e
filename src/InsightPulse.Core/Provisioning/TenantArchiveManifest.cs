using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Postgres;
using System.Text.Json.Serialization;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// <c>manifest.json</c> of a tenant archive: the tenant record, its modules, and each part (the tenant database,
/// the tenant schema, the tenant's rows in a shared database) with its file's SHA-256 and, per table, the row
/// count and a checksum of the rows, so a restore can prove it brought back exactly what was archived.
/// </summary>
public sealed partial record TenantArchiveManifest(
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

    /// <summary>The kinds of part a restore knows, each at most once in an archive.</summary>
    public static readonly IReadOnlyList<string> PartKinds = ["database", "schema", "rows"];

    /// <summary>The folder of a <c>rows</c> part's COPY files; its digest file is the part's <see cref="Part.File"/>.</summary>
    public const string RowsFolder = "platform_rows";

    /// <summary>A manifest larger than this is no manifest of ours (one of a tenant with a hundred tables is under 64 KB).</summary>
    private const int MaxManifestBytes = 4 * 1024 * 1024;

    /// <summary>
    /// The manifest of archive folder <paramref name="archive"/> (<c>--from</c>), every part of the archive checked before
    /// anything is restored: the manifest is JSON of this format with every field present; each part is of a known kind,
    /// names a plain file of the folder itself (no path, no link out of it) whose SHA-256 matches, and its tables are
    /// schema-qualified plain names; a <c>rows</c> part's COPY files match its digest. Anything else is refused with an
    /// <see cref="InvalidInputException"/> naming <c>--from</c> and what is wrong.
    /// </summary>
    public static TenantArchiveManifest Read(string archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        if (archive.Length == 0 || archive.Contains('\0', StringComparison.Ordinal) || !Directory.Exists(archive))
        {
            throw Refuse($"'{Sql.Printable(archive, 100)}' is not a folder.");
        }
        var manifestFile = new FileInfo(Path.Combine(archive, FileName));
        if (!manifestFile.Exists) throw Refuse($"'{Sql.Printable(archive, 100)}' is not a tenant archive: it has no {FileName}.");
        if (manifestFile.LinkTarget is not null) throw Refuse($"{FileName} is a link: an archive's files are its own.");
        if (manifestFile.Length > MaxManifestBytes) throw Refuse($"{FileName} is larger than {MaxManifestBytes / (1024 * 1024)} MB: it is no manifest of a tenant archive.");
        TenantArchiveManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<TenantArchiveManifest>(System.IO.File.ReadAllBytes(manifestFile.FullName), Json);
        }
        catch (JsonException e)
        {
            throw Refuse($"{FileName}: {JsonErrors.Describe(e).Text}");
        }
        if (manifest is null) throw Refuse($"{FileName} is empty (null).");
        if (manifest.FormatVersion != CurrentFormat) throw Refuse($"{FileName} has format {manifest.FormatVersion}; this build reads format {CurrentFormat}.");
        if (manifest.Tenant is null || TenantRules.CodeError(manifest.Tenant) is not null) throw Refuse($"{FileName}: tenant '{Sql.Printable(manifest.Tenant)}' is not a tenant code.");
        if (manifest.Record is null || manifest.Record.Code != manifest.Tenant) throw Refuse($"{FileName}: record is not the record of tenant '{manifest.Tenant}'.");
        if (manifest.Modules is null || manifest.Modules.Any(m => m?.Name is null || !Sql.IsPlainIdentifier(m.Name)))
        {
            throw Refuse($"{FileName}: modules is a list of modules, each with a module name (lower-case letters, digits and '_').");
        }
        if (manifest.Parts is null || manifest.Parts.Count == 0) throw Refuse($"{FileName}: parts lists nothing to restore.");
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < manifest.Parts.Count; i++) CheckPart(archive, manifest.Parts[i], $"{FileName}: parts[{i}]", kinds);
        return manifest;
    }

    private static void CheckPart(string archive, Part? part, string where, HashSet<string> kinds)
    {
        if (part?.Kind is null || part.File is null || part.Sha256 is null || part.Tables is null) throw Refuse($"{where} lacks its kind, file, sha256 or tables.");
        if (!PartKinds.Contains(part.Kind)) throw Refuse($"{where}: kind '{Sql.Printable(part.Kind)}' is not one this build restores ({string.Join(", ", PartKinds)}).");
        if (!kinds.Add(part.Kind)) throw Refuse($"{where}: a second part of kind {part.Kind}.");
        var path = OwnFile(archive, part.File, $"{where}.file");
        if (!Sha256Pattern().IsMatch(part.Sha256) || Sha256Of(path) != part.Sha256)
        {
            throw Refuse($"{part.File} does not match its checksum in the manifest: the archive is damaged.");
        }
        foreach (var table in part.Tables)
        {
            if (table?.Table is null || table.Checksum is null || table.Rows < 0 || table.Table.Split('.') is not [var schema, var name]
                || !Sql.IsPlainIdentifier(schema) || !Sql.IsPlainIdentifier(name) || !ChecksumPattern().IsMatch(table.Checksum))
            {
                throw Refuse($"{where}.tables: each is a schema-qualified table with a row count and an md5 checksum.");
            }
        }
        if (part.Kind == "rows")
        {
            // The digest file is covered by the manifest's checksum; every COPY file is covered by the digest.
            foreach (var line in System.IO.File.ReadAllLines(path).Where(l => l.Length > 0))
            {
                if (line.Split('=') is not [var copy, var sha] || !copy.EndsWith(".copy", StringComparison.Ordinal)
                    || Sha256Of(OwnFile(Path.Combine(archive, RowsFolder), copy, $"{part.File}")) != sha)
                {
                    throw Refuse($"{RowsFolder}/{Sql.Printable(line.Split('=')[0], 80)} does not match {part.File}: the archive is damaged.");
                }
            }
            var listed = System.IO.File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => l.Split('=')[0]).ToHashSet(StringComparer.Ordinal);
            if (Directory.Exists(Path.Combine(archive, RowsFolder)) && Directory.GetFiles(Path.Combine(archive, RowsFolder)).Select(Path.GetFileName).FirstOrDefault(f => !listed.Contains(f!)) is { } extra)
            {
                throw Refuse($"{RowsFolder}/{Sql.Printable(extra, 80)} is not in {part.File}: the archive is damaged.");
            }
        }
    }

    /// <summary>The path of <paramref name="name"/> in <paramref name="folder"/>: a plain file name (no path, no '..'), a regular file, not a link.</summary>
    private static string OwnFile(string folder, string name, string where)
    {
        if (!FileNamePattern().IsMatch(name)) throw Refuse($"{where}: '{Sql.Printable(name, 80)}' is not a file of the archive (a plain file name: no path, no '..').");
        var file = new FileInfo(Path.Combine(folder, name));
        if (!file.Exists) throw Refuse($"{where}: {name} is missing from the archive.");
        if (file.LinkTarget is not null) throw Refuse($"{where}: {name} is a link: an archive's files are its own.");
        return file.FullName;
    }

    private static string Sha256Of(string path)
    {
        using var stream = System.IO.File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static InvalidInputException Refuse(string problem) => new($"--from: {problem}");

    [GeneratedRegex(@"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}\z")]
    private static partial Regex FileNamePattern();

    [GeneratedRegex(@"\A[0-9a-f]{64}\z")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex(@"\A([0-9a-f]{32})?\z")]
    private static partial Regex ChecksumPattern();
}
