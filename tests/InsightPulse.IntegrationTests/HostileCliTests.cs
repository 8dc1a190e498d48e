using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using InsightPulse.Core.Provisioning;
using Xunit.Abstractions;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// The command-line entry points of the hostile-input corpus (<c>tests/hostile/</c>): arguments, webhook configuration,
/// archives given to <c>tenant restore</c>, module manifests and migration files given to <c>module check</c>. The CLI
/// runs in-process on one platform (seed tenants provisioned, tbwa and scout then archived): every case must exit 2
/// with a message on stderr naming the argument, field or file, never a stack trace, and must change nothing: the
/// platform database, the platform's home, the archives and the case's own files are compared after each case, every
/// database of the server before and after each file.
/// </summary>
[Collection(Lanes.B)]
public sealed class HostileCliTests(PostgresFixture postgres, HostileCliPlatform platform, ITestOutputHelper output)
    : IClassFixture<HostileCliPlatform>, IAsyncLifetime
{
    public static readonly TheoryData<string> EntryPoints = new("cli-arguments", "webhooks", "restore-archives", "manifests-and-migrations");

    public async Task InitializeAsync() => await platform.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public async Task Every_case_exits_2_naming_the_argument_and_changes_nothing(string entry)
    {
        var cases = HostileCorpus.Load(entry);
        var clock = Stopwatch.StartNew();
        var before = await PlatformSnapshot.TakeAsync(postgres, platform.Folders);
        var failures = new List<string>();
        foreach (var hostile in cases)
        {
            var folder = PostgresFixture.NewTempFolder("hostile-case", platform.CaseRoot);
            try
            {
                var args = await platform.PrepareAsync(hostile, folder);
                var caseBefore = await PlatformSnapshot.TakeAsync(postgres, [.. platform.Folders, folder], [PlatformScope.PlatformDatabase]);
                var run = await platform.Scope.CliAsync(args);
                failures.AddRange(Check(hostile, run).Select(problem => $"{hostile}: {problem}\n    {Short(run)}"));
                var caseAfter = await PlatformSnapshot.TakeAsync(postgres, [.. platform.Folders, folder], [PlatformScope.PlatformDatabase]);
                failures.AddRange(caseAfter.Changes(caseBefore).Select(change => $"{hostile}: {change}"));
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        var after = await PlatformSnapshot.TakeAsync(postgres, platform.Folders);
        failures.AddRange(after.Changes(before).Select(change => $"after the whole file: {change}"));
        output.WriteLine($"{entry}: {cases.Count} case(s) in {clock.Elapsed.TotalSeconds:0.0} s, {before.Count} snapshot entries compared");
        Assert.True(failures.Count == 0, $"{failures.Count} failure(s) of {cases.Count} case(s):\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task The_repositorys_own_modules_pass_module_check()
    {
        var run = await platform.Scope.CliAsync("module", "check", RepositoryRoot.Path);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("every manifest and script is valid", run.Error, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Check(HostileCase hostile, CliRun run)
    {
        if (hostile.Exit is { } exit && run.ExitCode != exit) yield return $"exit {run.ExitCode}, expected {exit}";
        if (run.Error.Length == 0) yield return "no message on stderr";
        foreach (var name in hostile.Names.Where(name => !run.Error.Contains(name, StringComparison.OrdinalIgnoreCase)))
        {
            yield return $"stderr does not name '{name}'";
        }
        foreach (var leak in hostile.Leaks(run.Output + run.Error)) yield return leak;
    }

    private static string Short(CliRun run)
    {
        var text = run.ToString();
        return text.Length > 800 ? text[..800] + "…" : text;
    }
}

/// <summary>
/// The platform the CLI cases run on (a class fixture): the seed tenants provisioned, then tbwa and scout deprovisioned
/// into archives (tbwa's: its database and schema; scout's: its schema and its rows in the shared platform database),
/// which restore cases copy and damage. Webhook cases read their secrets from environment variables set here.
/// </summary>
public sealed class HostileCliPlatform : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, string> _archives = new(StringComparer.Ordinal);

    public PlatformScope Scope { get; private set; } = null!;
    public string ArchiveRoot { get; private set; } = "";
    public string CaseRoot { get; private set; } = "";

    /// <summary>What no case may change on disk: the platform's home (secrets) and the archives.</summary>
    public IReadOnlyList<string> Folders => [Scope.Home, ArchiveRoot];

    public async Task<HostileCliPlatform> GetAsync(PostgresFixture postgres)
    {
        await _gate.WaitAsync();
        try
        {
            if (Scope is not null) return this;
            Scope = await PlatformScope.CreateAsync(postgres);
            var steps = await Scope.UpAndProvisionAsync();
            Assert.DoesNotContain(steps, s => s.Failed);
            ArchiveRoot = PostgresFixture.NewTempFolder("hostile-archives");
            CaseRoot = PostgresFixture.NewTempFolder("hostile-cases");
            foreach (var code in new[] { "tbwa", "scout" })
            {
                var gone = await Scope.Get<TenantArchiver>().DeprovisionAsync(code, ArchiveRoot, CancellationToken.None);
                _archives[code] = gone.Archive!;
            }
            Environment.SetEnvironmentVariable("HOSTILE_WEBHOOK_SECRET", "hostile-webhook-secret-0123456789");
            Environment.SetEnvironmentVariable("HOSTILE_SHORT_SECRET", "short");
            return this;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The arguments of <paramref name="hostile"/>, with what they name made in <paramref name="folder"/> first: a copy
    /// of an archive with the case's damage (<c>archive</c>), or a copy of the repository's modules with the case's
    /// edits (<c>module</c>). Format in tests/hostile/README.md.
    /// </summary>
    public async Task<string[]> PrepareAsync(HostileCase hostile, string folder)
    {
        ArgumentNullException.ThrowIfNull(hostile);
        var vars = new Dictionary<string, string>(StringComparer.Ordinal);
        if (hostile.Data["archive"] is JsonObject archive) vars["archive"] = await ArchiveAsync(archive, folder);
        if (hostile.Data["module"] is JsonObject module) vars["modules"] = ModulesAsync(module, folder);
        JsonNode? Custom(string name, JsonNode argument) => name == "$var"
            ? JsonValue.Create(vars[argument["$var"]!.GetValue<string>()])
            : throw new InvalidDataException($"Unknown expression {name}.");
        return [.. hostile.Data["args"]!.AsArray().Select(a => HostileCorpus.Text(HostileCorpus.Resolve(a, Custom)))];
    }

    private async Task<string> ArchiveAsync(JsonObject spec, string folder)
    {
        var of = spec["of"]!.GetValue<string>();
        var archive = Path.Combine(folder, "archive");
        Copy(_archives[of], archive);
        JsonNode? Custom(string name, JsonNode argument)
        {
            var file = argument[name]!.GetValue<string>();
            var outside = Path.Combine(folder, "outside-" + file);
            File.Copy(Path.Combine(archive, file), outside, overwrite: true);
            return name switch
            {
                "$outside" => JsonValue.Create(Path.GetRelativePath(archive, outside)),
                "$absolute" => JsonValue.Create(outside),
                _ => throw new InvalidDataException($"Unknown expression {name}."),
            };
        }
        foreach (var (name, value) in spec["files"]?.AsObject() ?? [])
        {
            var path = Path.Combine(archive, name);
            switch (value)
            {
                case JsonObject op when op.ContainsKey("$delete"):
                    File.Delete(path);
                    break;
                case JsonObject op when op.ContainsKey("$flip"):
                    var bytes = await File.ReadAllBytesAsync(path);
                    bytes[bytes.Length / 2] ^= 0xFF;
                    await File.WriteAllBytesAsync(path, bytes);
                    break;
                case JsonObject op when op["$symlink"] is { } target:
                    var copy = Path.Combine(folder, "outside-" + target.GetValue<string>());
                    File.Copy(path, copy, overwrite: true);
                    File.Delete(path);
                    File.CreateSymbolicLink(path, copy);
                    break;
                case JsonObject op when op["$copy_from"] is { } source:
                    var (otherTenant, otherFile) = (source.GetValue<string>().Split(':')[0], source.GetValue<string>().Split(':')[1]);
                    File.Copy(Path.Combine(_archives[otherTenant], otherFile), path, overwrite: true);
                    break;
                default:
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    await File.WriteAllTextAsync(path, HostileCorpus.Text(HostileCorpus.Resolve(value)));
                    break;
            }
        }
        foreach (var (name, value) in spec["append"]?.AsObject() ?? [])
        {
            await File.AppendAllTextAsync(Path.Combine(archive, name), HostileCorpus.Text(value));
        }
        var manifestPath = Path.Combine(archive, TenantArchiveManifest.FileName);
        if (spec["manifest_text"] is { } text)
        {
            await File.WriteAllTextAsync(manifestPath, HostileCorpus.Text(HostileCorpus.Resolve(text)));
        }
        else if (spec["manifest_set"] is JsonObject || spec["recompute_sha"] is not null)
        {
            var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
            foreach (var (path, value) in spec["manifest_set"]?.AsObject() ?? []) Set(manifest, path, HostileCorpus.Resolve(value, Custom));
            if (spec["recompute_sha"]?.GetValue<bool>() == true)
            {
                foreach (var part in manifest["parts"]!.AsArray().OfType<JsonObject>())
                {
                    var file = Path.GetFullPath(Path.Combine(archive, part["file"]!.GetValue<string>()));
                    if (File.Exists(file)) part["sha256"] = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(file)));
                }
            }
            await File.WriteAllTextAsync(manifestPath, HostileCorpus.ToJson(manifest));
        }
        return archive;
    }

    private static string ModulesAsync(JsonObject spec, string folder)
    {
        var root = Path.Combine(folder, "repo");
        Copy(RepositoryRoot.File("modules"), Path.Combine(root, "modules"));
        Copy(RepositoryRoot.File("databanks"), Path.Combine(root, "databanks"));
        var name = spec["name"]!.GetValue<string>();
        var module = Path.Combine(root, spec["databank"]?.GetValue<bool>() == true ? "databanks" : "modules", name);
        if (spec["rename"] is { } rename)
        {
            var renamed = Path.Combine(Path.GetDirectoryName(module)!, rename.GetValue<string>());
            Directory.Move(module, renamed);
            module = renamed;
        }
        if (spec["delete_migrations"]?.GetValue<bool>() == true) Directory.Delete(Path.Combine(module, "migrations"), recursive: true);
        var manifestPath = Path.Combine(module, "manifest.json");
        if (spec["manifest_text"] is { } text) File.WriteAllText(manifestPath, HostileCorpus.Text(HostileCorpus.Resolve(text)));
        if (spec["manifest_set"] is JsonObject || spec["manifest_remove"] is JsonArray)
        {
            var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!.AsObject();
            foreach (var (path, value) in spec["manifest_set"]?.AsObject() ?? []) Set(manifest, path, HostileCorpus.Resolve(value));
            foreach (var path in spec["manifest_remove"]?.AsArray() ?? []) manifest.Remove(path!.GetValue<string>());
            File.WriteAllText(manifestPath, HostileCorpus.ToJson(manifest));
        }
        foreach (var (name2, value) in spec["files"]?.AsObject() ?? [])
        {
            var path = Path.Combine(module, name2);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            switch (value)
            {
                case JsonObject op when op.ContainsKey("$delete"):
                    File.Delete(path);
                    break;
                case JsonObject op when op["$symlink_to"] is { } target:
                    File.Delete(path);
                    File.CreateSymbolicLink(path, target.GetValue<string>());
                    break;
                case JsonObject op when op["$bytes"] is { } bytes:
                    File.WriteAllBytes(path, Convert.FromBase64String(bytes.GetValue<string>()));
                    break;
                default:
                    // UTF-8 without a byte order mark, as written: a BOM in the case's text stays the file's first character.
                    File.WriteAllText(path, HostileCorpus.Text(HostileCorpus.Resolve(value)), new UTF8Encoding(false));
                    break;
            }
        }
        return root;
    }

    /// <summary>Sets <paramref name="value"/> at a dotted path of <paramref name="root"/> (<c>parts.0.file</c>; a number indexes an array).</summary>
    private static void Set(JsonNode root, string path, JsonNode? value)
    {
        var keys = path.Split('.');
        var node = root;
        foreach (var key in keys[..^1]) node = int.TryParse(key, out var i) ? node[i]! : node[key]!;
        if (int.TryParse(keys[^1], out var index)) node.AsArray()[index] = value;
        else node.AsObject()[keys[^1]] = value;
    }

    private static void Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories)) File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }

    public async ValueTask DisposeAsync()
    {
        if (Scope is not null) await Scope.DisposeAsync();
        foreach (var folder in new[] { ArchiveRoot, CaseRoot }.Where(f => f.Length > 0 && Directory.Exists(f))) Directory.Delete(folder, recursive: true);
        _gate.Dispose();
    }
}
