using System.Text.Json;
using Dapper;
using InsightPulse.Core.Databases;

namespace InsightPulse.Core.Verification;

/// <summary>The record of verification runs (<c>ipai_tenant_verification</c>): written by every run, read by the console.</summary>
public sealed class VerificationLog(PlatformDatabases databases)
{
    /// <summary>A tenant's last verification: when, whether every gate passed, and the gates that failed.</summary>
    public sealed record Last(string TenantCode, DateTime VerifiedAt, bool Passed, IReadOnlyList<string> Failed);

    public async Task RecordAsync(TenantVerification verification, string? site, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(verification);
        var gates = JsonSerializer.Serialize(verification.Gates.Select(g => new
        {
            name = g.Name, outcome = g.Outcome, evidence = g.Evidence, ms = Math.Round(g.Elapsed.TotalMilliseconds, 1),
        }));
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_tenant_verification (tenant_code, passed, seconds, site, gates) VALUES (@Tenant, @Passed, @seconds, @site, CAST(@gates AS jsonb))
            """, new { verification.Tenant, verification.Passed, seconds = Math.Round(verification.Elapsed.TotalSeconds, 3), site, gates },
            cancellationToken: cancellationToken));
    }

    /// <summary>The last verification of every tenant that has one, by tenant code.</summary>
    public async Task<IReadOnlyDictionary<string, Last>> LastAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Code, DateTime At, bool Passed, string[] Failed)>(new CommandDefinition("""
            SELECT DISTINCT ON (tenant_code) tenant_code, verified_at, passed,
                   ARRAY(SELECT g->>'name' FROM jsonb_array_elements(gates) g WHERE g->>'outcome' = 'failed')
            FROM ipai_tenant_verification ORDER BY tenant_code, verified_at DESC, id DESC
            """, cancellationToken: cancellationToken));
        return rows.ToDictionary(r => r.Code, r => new Last(r.Code, r.At, r.Passed, r.Failed), StringComparer.Ordinal);
    }
}
