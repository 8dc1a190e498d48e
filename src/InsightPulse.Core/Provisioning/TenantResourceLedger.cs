using Dapper;
using Npgsql;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// <c>ipai_tenant_resource</c>: which databases and schemas provisioning made (or adopted, or restored) for which
/// tenant, written before they are created so that a resumed run recognises its own.
/// </summary>
internal static class TenantResourceLedger
{
    /// <summary>Records that a database or schema is this tenant's; true when the record is new.</summary>
    public static async Task<bool> RecordAsync(
        NpgsqlDataSource platform, string code, string kind, string name, Guid? runId, bool adopted, CancellationToken cancellationToken)
    {
        await using var connection = await platform.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_tenant_resource (tenant_code, kind, name, run_id, adopted) VALUES (@code, @kind, @name, @runId, @adopted)
            ON CONFLICT (kind, name) DO NOTHING
            """, new { code, kind, name, runId, adopted }, cancellationToken: cancellationToken)) > 0;
    }
}
