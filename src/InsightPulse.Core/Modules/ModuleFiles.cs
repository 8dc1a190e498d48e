using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Modules;

/// <summary>
/// One module's or databank's folder read into a <see cref="Module"/>, every part checked before a script can reach a
/// database: <c>manifest.json</c> (JSON of the manifest's fields only; a name, dependencies, tables and views that are
/// plain identifiers; a version; a databank's tenant a plain name equal to its folder) and <c>migrations/NNNN_name.sql</c>
/// (names in that form, UTF-8 text without NUL, control or direction-changing characters, placeholders provisioning
/// defines). Nothing else may sit in the folder among the files the build embeds. Each refusal names the file and field.
/// </summary>
internal static partial class ModuleFiles
{
    private const string ManifestName = "manifest.json";
    private const string MigrationsFolder = "migrations/";

    /// <summary>A manifest larger than this is not read (ours are well under 2 KB).</summary>
    private const int MaxManifestBytes = 64 * 1024;

    /// <summary>A script larger than this is not read (ours are well under 100 KB).</summary>
    private const int MaxScriptBytes = 4 * 1024 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Module Read(string folder, bool databank, IReadOnlyList<(string Name, Func<Stream> Open)> files, JsonSerializerOptions json)
    {
        var folderName = folder[(folder.IndexOf('/', StringComparison.Ordinal) + 1)..].TrimEnd('/');
        var manifestFile = folder + ManifestName;
        var stray = files.FirstOrDefault(f => f.Name != manifestFile && !(f.Name.StartsWith(folder + MigrationsFolder, StringComparison.Ordinal) && f.Name.EndsWith(".sql", StringComparison.Ordinal)));
        if (stray.Name is not null) throw Refuse(stray.Name, "is neither the folder's manifest.json nor a script under migrations/: the build would embed it and nothing would read it.");
        var manifest = ReadManifest(manifestFile, files.FirstOrDefault(f => f.Name == manifestFile).Open, json);
        if (databank)
        {
            if (manifest.Tenant != folderName) throw Refuse(manifestFile, $"tenant: '{Sql.Printable(manifest.Tenant)}' is not its folder's name '{Sql.Printable(folderName)}'.");
            if (!Sql.IsPlainIdentifier(manifest.Tenant)) throw Refuse(manifestFile, $"tenant: '{Sql.Printable(manifest.Tenant)}' is not a tenant code (lower-case letters, digits and '_').");
            manifest = manifest with { Name = "databank_" + folderName, Target = ModuleTarget.Schema };
        }
        else
        {
            if (manifest.Name != folderName) throw Refuse(manifestFile, $"name: '{Sql.Printable(manifest.Name)}' is not its folder's name '{Sql.Printable(folderName)}'.");
            if (!Sql.IsPlainIdentifier(manifest.Name)) throw Refuse(manifestFile, $"name: '{Sql.Printable(manifest.Name)}' is not a module name (lower-case letters, digits and '_', starting with a letter).");
        }
        CheckManifest(manifestFile, manifest);
        var migrations = files.Where(f => f.Name != manifestFile).OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => ReadScript(f.Name, f.Name[(folder.Length + MigrationsFolder.Length)..], f.Open)).ToList();
        if (migrations.Count == 0) throw Refuse(folder, "has no migrations/*.sql.");
        return new Module(manifest, migrations, (databank ? "databank:" : "module:") + folderName);
    }

    private static ModuleManifest ReadManifest(string file, Func<Stream>? open, JsonSerializerOptions json)
    {
        if (open is null) throw Refuse(file, "is missing: every module's folder has a manifest.json.");
        var bytes = ReadAll(file, open, MaxManifestBytes);
        try
        {
            return JsonSerializer.Deserialize<ModuleManifest>(bytes, json) ?? throw Refuse(file, "is empty (null).");
        }
        catch (JsonException e)
        {
            throw Refuse(file, JsonErrors.Describe(e).Text);
        }
    }

    private static void CheckManifest(string file, ModuleManifest manifest)
    {
        // JSON's null gets past the types' defaults: every field is checked as if it could be missing.
        if (manifest.Version is null || !VersionPattern().IsMatch(manifest.Version)) throw Refuse(file, $"version: '{Sql.Printable(manifest.Version)}' is not a version such as 1.2.0.");
        if (manifest.Summary is null || manifest.Summary.Length > 500 || TextRules.Problem(manifest.Summary) is not null) throw Refuse(file, "summary: one line of at most 500 characters of plain text.");
        foreach (var (field, names) in new[] { ("depends", manifest.Depends), ("tables", manifest.Tables), ("views", manifest.Views) })
        {
            if (names is null) throw Refuse(file, $"{field}: a list of names, not null.");
            if (names.Where(n => n is null || !Sql.IsPlainIdentifier(n)).Take(1).ToList() is [var bad])
            {
                throw Refuse(file, $"{field}: '{Sql.Printable(bad)}' is not a plain name (lower-case letters, digits and '_', starting with a letter).");
            }
        }
        if (manifest.IsolationWaivers is null || manifest.IsolationWaivers.Any(w => w is null || w.Relation is null || w.Lint is null || w.Reason is null
                || !Sql.IsPlainIdentifier(w.Relation) || !Sql.IsPlainIdentifier(w.Lint)
                || string.IsNullOrWhiteSpace(w.Reason) || w.Reason.Length > 1000 || TextRules.Problem(w.Reason) is not null))
        {
            throw Refuse(file, "isolation_waivers: each names a relation and a lint (plain names) and gives its reason in plain text.");
        }
    }

    private static Migration ReadScript(string file, string id, Func<Stream> open)
    {
        if (!ScriptName().IsMatch(id)) throw Refuse(file, "is not named NNNN_name.sql (four digits, then lower-case letters, digits and '_').");
        string sql;
        try
        {
            sql = StrictUtf8.GetString(ReadAll(file, open, MaxScriptBytes));
        }
        catch (DecoderFallbackException)
        {
            throw Refuse(file, "is not UTF-8 text.");
        }
        if (sql.Length > 0 && sql[0] == '\uFEFF') throw Refuse(file, "starts with a byte order mark: save it as UTF-8 without one.");
        if (sql.Trim().Length == 0) throw Refuse(file, "is empty.");
        if (TextRules.Problem(sql, allowLineBreaks: true) is { } problem) throw Refuse(file, $"{problem} A script is plain UTF-8 text.");
        foreach (Match placeholder in Placeholder().Matches(sql))
        {
            if (!ModuleCatalog.ScriptPlaceholders.Contains(placeholder.Groups[1].Value))
            {
                throw Refuse(file, $"uses {placeholder.Value}, which provisioning does not define (it defines {string.Join(", ", ModuleCatalog.ScriptPlaceholders.Select(p => "${" + p + "}"))}).");
            }
        }
        return new Migration(id, sql);
    }

    private static byte[] ReadAll(string file, Func<Stream> open, int max)
    {
        using var stream = open();
        using var copy = new MemoryStream();
        var buffer = new byte[81920];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            copy.Write(buffer, 0, read);
            if (copy.Length > max) throw Refuse(file, $"is larger than {max / 1024} KB.");
        }
        return copy.ToArray();
    }

    private static ModuleCatalogException Refuse(string file, string problem) => new($"{Sql.Printable(file, 120)} {problem}");

    [GeneratedRegex(@"\A[0-9]{4}_[a-z0-9_]+\.sql\z")]
    private static partial Regex ScriptName();

    [GeneratedRegex(@"\A[0-9]{1,4}(\.[0-9]{1,4}){1,3}\z")]
    private static partial Regex VersionPattern();

    [GeneratedRegex(@"\$\{([a-z_]+)\}")]
    private static partial Regex Placeholder();
}
