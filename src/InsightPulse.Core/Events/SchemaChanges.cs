namespace InsightPulse.Core.Events;

/// <summary>What a <c>schema_changed</c> event reports (its <c>change</c>).</summary>
public static class SchemaChanges
{
    /// <summary>The event type of every event (GitHub's <c>repository_dispatch</c> <c>event_type</c>).</summary>
    public const string EventType = "schema_changed";

    /// <summary>Scripts (a module's, a databank's) were applied to one store of the tenant.</summary>
    public const string ScriptsApplied = "scripts_applied";

    /// <summary>The tenant became active: its stores hold every script of this build.</summary>
    public const string TenantProvisioned = "tenant_provisioned";

    /// <summary>An archived tenant was loaded back from its archive and became active.</summary>
    public const string TenantRestored = "tenant_restored";

    /// <summary>The tenant was archived: its stores are being dropped.</summary>
    public const string TenantArchived = "tenant_archived";
}
