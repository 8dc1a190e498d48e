namespace InsightPulse.Core.Audit;

/// <summary>
/// What the audit trail records (<c>ipai_audit.action</c>): one name per concept, the same in the table's CHECK
/// (db/platform/0016_audit.sql), in <c>./ipai audit</c>'s output and in docs/security.md.
/// </summary>
public static class AuditActions
{
    public const string TenantCreated = "tenant.created";
    public const string TenantUpdated = "tenant.updated";

    /// <summary>A provisioning run (CLI <c>tenant provision</c>, the console's or the API's background run, <c>up</c>'s).</summary>
    public const string TenantProvisioned = "tenant.provisioned";

    /// <summary><c>tenant repair</c>: every script of the tenant's stores applied again.</summary>
    public const string TenantRepaired = "tenant.repaired";

    /// <summary><c>tenant install CODE MODULE</c>.</summary>
    public const string TenantModuleInstalled = "tenant.module_installed";
    public const string TenantSuspended = "tenant.suspended";
    public const string TenantResumed = "tenant.resumed";

    /// <summary><c>tenant move CODE --to SERVER</c>.</summary>
    public const string TenantMoved = "tenant.moved";

    /// <summary><c>tenant deprovision</c>: archived (or not), then dropped.</summary>
    public const string TenantArchived = "tenant.archived";
    public const string TenantRestored = "tenant.restored";
    public const string UserCreated = "user.created";
    public const string UserPasswordSet = "user.password_set";
    public const string UserDisabled = "user.disabled";
    public const string UserEnabled = "user.enabled";
    public const string WebhookAdded = "webhook.added";

    /// <summary>A guest token issued for a dashboard (the dashboard page's, or the Superset-shaped API's): the moment its data opens to someone.</summary>
    public const string DashboardAccessed = "dashboard.accessed";

    /// <summary>Every action, in the order of the table's CHECK.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        TenantCreated, TenantUpdated, TenantProvisioned, TenantRepaired, TenantModuleInstalled,
        TenantSuspended, TenantResumed, TenantMoved, TenantArchived, TenantRestored,
        UserCreated, UserPasswordSet, UserDisabled, UserEnabled,
        WebhookAdded, DashboardAccessed,
    ];
}
