using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Modules;

/// <summary>A module is unknown, malformed, or the modules' dependencies form a cycle.</summary>
public sealed class ModuleCatalogException : OperatorException
{
    public ModuleCatalogException() { }
    public ModuleCatalogException(string message) : base(message) { }
    public ModuleCatalogException(string message, Exception inner) : base(message, inner) { }
}
