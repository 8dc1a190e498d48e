using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Modules;

/// <summary>A module is unknown, malformed, or the modules' dependencies form a cycle: input that is not valid (the CLI exits 2).</summary>
public sealed class ModuleCatalogException : InvalidInputException
{
    public ModuleCatalogException() { }
    public ModuleCatalogException(string message) : base(message) { }
    public ModuleCatalogException(string message, Exception inner) : base(message, inner) { }
}
