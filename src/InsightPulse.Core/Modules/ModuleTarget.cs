namespace InsightPulse.Core.Modules;

/// <summary>Where a module's tables live: the tenant's own database (schema public) or the tenant's schema in the shared data database.</summary>
public enum ModuleTarget
{
    Database,
    Schema,
}
