namespace InsightPulse.Core.Events;

/// <summary>
/// One store of one tenant, as the relay reads its outbox: <see cref="Store"/> is "database" (the tenant's database,
/// schema public, on its fleet server) or "schema" (its schema of the data database, at home).
/// </summary>
public sealed record EventStore(string TenantCode, string Store, string Server, string Database, string Schema)
{
    public const string DatabaseStore = "database";
    public const string SchemaStore = "schema";
}
