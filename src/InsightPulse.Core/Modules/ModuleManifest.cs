namespace InsightPulse.Core.Modules;

/// <summary>
/// <c>modules/&lt;name&gt;/manifest.json</c> (and, with <see cref="Tenant"/> instead of a name, a databank's).
/// <see cref="Tables"/> and <see cref="Views"/> list exactly what the scripts create: provisioning checks them
/// to notice drift, and a test checks them against the catalogue.
/// </summary>
public sealed record ModuleManifest
{
    public string Name { get; init; } = "";
    public string? Tenant { get; init; }
    public required string Version { get; init; }
    public string Summary { get; init; } = "";
    public IReadOnlyList<string> Depends { get; init; } = [];
    public ModuleTarget Target { get; init; } = ModuleTarget.Schema;
    public IReadOnlyList<string> Tables { get; init; } = [];
    public IReadOnlyList<string> Views { get; init; } = [];

    /// <summary>Deliberate exceptions to the isolation lint, each with its reason (see <see cref="IsolationWaiver"/>).</summary>
    public IReadOnlyList<IsolationWaiver> IsolationWaivers { get; init; } = [];
}
