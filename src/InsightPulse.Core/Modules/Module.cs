using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Modules;

/// <summary>A module or a databank: its manifest and its ordered migrations, journaled under <see cref="Scope"/>.</summary>
public sealed record Module(ModuleManifest Manifest, IReadOnlyList<Migration> Migrations, string Scope)
{
    public string Name => Manifest.Name;
    public string Version => Manifest.Version;
    public ModuleTarget Target => Manifest.Target;

    /// <summary>Tables and views the module's scripts create.</summary>
    public IEnumerable<string> Relations => Manifest.Tables.Concat(Manifest.Views);
}
