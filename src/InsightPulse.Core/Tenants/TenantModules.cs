using Dapper;
using InsightPulse.Core.Databases;

namespace InsightPulse.Core.Tenants;

/// <summary>The modules a tenant has beyond the base modules (<c>ipai_tenant_module</c>).</summary>
public sealed class TenantModules(PlatformDatabases databases, TenantRegistry registry)
{
    public async Task<bool> AddAsync(string code, string module, CancellationToken cancellationToken)
    {
        await registry.GetAsync(code, cancellationToken);
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO ipai_tenant_module (tenant_code, module) VALUES (@code, @module) ON CONFLICT DO NOTHING",
            new { code, module }, cancellationToken: cancellationToken)) > 0;
    }

    public async Task<IReadOnlyList<string>> ListAsync(string code, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT module FROM ipai_tenant_module WHERE tenant_code = @code ORDER BY module", new { code }, cancellationToken: cancellationToken))).ToList();
    }

    /// <summary>Every tenant's modules beyond the base modules (the web routing table loads them all at once).</summary>
    public async Task<IReadOnlyList<(string TenantCode, string Module)>> ListAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<(string, string)>(new CommandDefinition(
            "SELECT tenant_code, module FROM ipai_tenant_module ORDER BY tenant_code, module", cancellationToken: cancellationToken))).ToList();
    }
}
