using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Modules;

/// <summary>
/// The platform's modules (<c>modules/&lt;name&gt;/</c>) and tenant databanks (<c>databanks/&lt;code&gt;/</c>), read
/// from the files embedded in this assembly, and the order to install them in.
/// </summary>
public sealed class ModuleCatalog
{
    /// <summary>Installed in every tenant, in this order of importance; their dependencies come first anyway.</summary>
    public static readonly IReadOnlyList<string> BaseModules = ["ipai_tenant_core", "ipai_bi_superset_embed"];

    /// <summary>The placeholders provisioning gives a module's scripts (<c>${app_role}</c>, <c>${bi_role}</c>): a script may use no other.</summary>
    public static readonly IReadOnlyList<string> ScriptPlaceholders = ["app_role", "bi_role"];

    internal static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    private readonly Dictionary<string, Module> _modules;
    private readonly Dictionary<string, Module> _databanks;

    public ModuleCatalog(IEnumerable<Module> modules, IEnumerable<Module> databanks)
    {
        _modules = modules.ToDictionary(m => m.Name, StringComparer.Ordinal);
        _databanks = databanks.ToDictionary(d => d.Manifest.Tenant!, StringComparer.Ordinal);
        foreach (var module in _modules.Values)
        {
            foreach (var dependency in module.Manifest.Depends.Where(d => !_modules.ContainsKey(d)))
            {
                throw new ModuleCatalogException($"Module {module.Name} depends on {dependency}, which does not exist.");
            }
        }
    }

    public static ModuleCatalog Embedded { get; } = FromAssembly(typeof(ModuleCatalog).Assembly);

    public IReadOnlyCollection<Module> Modules => _modules.Values;

    /// <summary>Every module and every tenant's databank.</summary>
    public IEnumerable<Module> AllWithDatabanks => _modules.Values.Concat(_databanks.Values);

    public Module Get(string name) =>
        _modules.TryGetValue(name, out var module)
            ? module
            : throw new ModuleCatalogException($"There is no module '{Sql.Printable(name)}': `./ipai module list` shows the modules there are.");

    public Module? DatabankOf(string tenantCode) => _databanks.GetValueOrDefault(tenantCode);

    /// <summary>
    /// This catalog with <paramref name="scripts"/> appended to module <paramref name="module"/>'s migrations: the
    /// catalog of a build one script later (benchmarks and tests of fleet migrations).
    /// </summary>
    public ModuleCatalog WithScripts(string module, IEnumerable<Migration> scripts)
    {
        var added = Get(module);
        return new ModuleCatalog(
            _modules.Values.Select(m => m.Name == added.Name ? m with { Migrations = [.. m.Migrations, .. scripts] } : m),
            _databanks.Values);
    }

    /// <summary>The named modules and everything they depend on, dependencies first; a cycle is an error naming it.</summary>
    public IReadOnlyList<Module> InstallOrder(IEnumerable<string> names)
    {
        var order = new List<Module>();
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: visiting, true: done
        var path = new Stack<string>();
        void Visit(string name)
        {
            if (state.TryGetValue(name, out var done))
            {
                if (done) return;
                var cycle = path.Reverse().SkipWhile(n => n != name).Append(name);
                throw new ModuleCatalogException($"Module dependencies form a cycle: {string.Join(" -> ", cycle)}.");
            }
            var module = Get(name);
            state[name] = false;
            path.Push(name);
            foreach (var dependency in module.Manifest.Depends.Order(StringComparer.Ordinal)) Visit(dependency);
            path.Pop();
            state[name] = true;
            order.Add(module);
        }
        foreach (var name in names) Visit(name);
        return order;
    }

    /// <summary>The modules and databanks this build embeds (<c>modules/**</c> and <c>databanks/**</c>, as the project file includes them).</summary>
    public static ModuleCatalog FromAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        return Read(assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("modules/", StringComparison.Ordinal) || n.StartsWith("databanks/", StringComparison.Ordinal))
            .Select(n => (n, (Func<Stream>)(() => assembly.GetManifestResourceStream(n)!))));
    }

    /// <summary>
    /// The modules and databanks of a folder laid out as the repository (<c>modules/&lt;name&gt;/manifest.json</c>,
    /// <c>modules/&lt;name&gt;/migrations/*.sql</c>, <c>databanks/&lt;code&gt;/…</c>), read exactly as the build embeds them:
    /// <c>./ipai module check</c> checks a module this way before it is built in. A link is refused (it could point
    /// out of the folder); every file is named in a message relative to <paramref name="root"/>.
    /// </summary>
    public static ModuleCatalog FromFolder(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var files = new List<(string Name, Func<Stream> Open)>();
        foreach (var top in new[] { "modules", "databanks" })
        {
            var folder = new DirectoryInfo(Path.Combine(root, top));
            if (!folder.Exists) continue;
            foreach (var entry in folder.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
            {
                var name = top + "/" + Path.GetRelativePath(folder.FullName, entry.FullName).Replace(Path.DirectorySeparatorChar, '/');
                if (entry.LinkTarget is not null) throw new ModuleCatalogException($"{Sql.Printable(name, 120)} is a link: a module is files of its own folder, never a link out of it.");
                if (entry is FileInfo file && (file.Name.EndsWith(".json", StringComparison.Ordinal) || file.Name.EndsWith(".sql", StringComparison.Ordinal)))
                {
                    files.Add((name, file.OpenRead));
                }
            }
        }
        return Read(files);
    }

    /// <summary>
    /// The catalog of embedded-resource-like <paramref name="files"/> (<c>modules/&lt;name&gt;/…</c>, <c>databanks/&lt;code&gt;/…</c>),
    /// every manifest and script checked (<see cref="ModuleFiles"/>); a <see cref="ModuleCatalogException"/> names the
    /// first file that is not valid and why.
    /// </summary>
    private static ModuleCatalog Read(IEnumerable<(string Name, Func<Stream> Open)> files)
    {
        var byFolder = new SortedDictionary<string, List<(string Name, Func<Stream> Open)>>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            var parts = file.Name.Split('/');
            if (parts.Length < 3) throw new ModuleCatalogException($"{Sql.Printable(file.Name, 120)} is outside any module's folder.");
            var folder = parts[0] + "/" + parts[1] + "/";
            if (!byFolder.TryGetValue(folder, out var list)) byFolder[folder] = list = [];
            list.Add(file);
        }
        var modules = new List<Module>();
        var databanks = new List<Module>();
        foreach (var (folder, folderFiles) in byFolder)
        {
            var databank = folder.StartsWith("databanks/", StringComparison.Ordinal);
            var module = ModuleFiles.Read(folder, databank, folderFiles, JsonOptions);
            (databank ? databanks : modules).Add(module);
        }
        var catalog = new ModuleCatalog(modules, databanks);
        catalog.InstallOrder(catalog.Modules.Select(m => m.Name)); // a cycle is found now, not at a tenant's first provisioning
        return catalog;
    }
}
