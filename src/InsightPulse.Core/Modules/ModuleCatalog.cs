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

    private static readonly JsonSerializerOptions JsonOptions = new()
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

    public static ModuleCatalog FromAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var resources = assembly.GetManifestResourceNames();
        IEnumerable<Module> Read(string root, bool databank) => resources
            .Where(r => r.StartsWith(root, StringComparison.Ordinal) && r.EndsWith("/manifest.json", StringComparison.Ordinal))
            .Select(r =>
            {
                var folder = r[..^"manifest.json".Length];
                var folderName = folder[root.Length..].TrimEnd('/');
                using var stream = assembly.GetManifestResourceStream(r)!;
                var manifest = JsonSerializer.Deserialize<ModuleManifest>(stream, JsonOptions)
                    ?? throw new ModuleCatalogException($"{r} is empty.");
                if (databank)
                {
                    manifest = manifest with { Name = "databank_" + folderName, Target = ModuleTarget.Schema };
                    if (manifest.Tenant != folderName) throw new ModuleCatalogException($"{r} names tenant '{manifest.Tenant}', not its folder '{folderName}'.");
                }
                else if (manifest.Name != folderName)
                {
                    throw new ModuleCatalogException($"{r} names module '{manifest.Name}', not its folder '{folderName}'.");
                }
                var migrations = Migration.FromResources(assembly, folder + "migrations/");
                if (migrations.Count == 0) throw new ModuleCatalogException($"{folder} has no migrations/*.sql.");
                return new Module(manifest, migrations, (databank ? "databank:" : "module:") + folderName);
            });
        return new ModuleCatalog(Read("modules/", databank: false), Read("databanks/", databank: true));
    }
}
