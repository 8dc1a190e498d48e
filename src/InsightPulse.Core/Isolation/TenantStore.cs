namespace InsightPulse.Core.Isolation;

/// <summary>Where a tenant's data lives: its own database (schema public), or its schema in the shared data database.</summary>
public enum TenantStore
{
    /// <summary>The tenant's database (<c>ipai_tenant.db_name</c>), schema public: users, groups, parameters, BI dashboards.</summary>
    Database,

    /// <summary>The tenant's schema (<c>ipai_tenant.supabase_schema</c>) in the shared data database: databanks, finance.</summary>
    Schema,
}
