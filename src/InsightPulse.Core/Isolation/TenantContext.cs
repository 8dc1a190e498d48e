using Dapper;
using Npgsql;

namespace InsightPulse.Core.Isolation;

/// <summary>
/// The tenant context as the owner role sets it for its own work on tenant rows (provisioning, archiving, seeding,
/// the BI registry): <c>app.tenant_id</c> local to the current transaction (<c>set_config(…, true)</c>), so it ends
/// with it and never reaches the pooled connection's next user. Runtime roles get theirs from
/// <see cref="TenantDataAccess"/>.
/// </summary>
public static class TenantContext
{
    /// <summary>Sets <c>app.tenant_id</c> to <paramref name="tenantCode"/> for the rest of the transaction (<paramref name="transaction"/>, or the one the connection is in).</summary>
    public static async Task SetAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string tenantCode, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await connection.ExecuteAsync(new CommandDefinition(
            "SELECT set_config('app.tenant_id', @tenantCode, true)", new { tenantCode }, transaction, cancellationToken: cancellationToken));
    }
}
