using Dapper;
using InsightPulse.Core.Databases;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// Reads the provisioning journal (<c>ipai_provision_run</c>, <c>ipai_provision_step</c>) that
/// <see cref="TenantProvisioner"/> writes: the last run of each tenant with its per-step times. Runs of every
/// process (CLI, web node) are there, so a reader follows a run wherever it was started.
/// </summary>
public sealed class ProvisioningJournal(PlatformDatabases databases)
{
    /// <summary>The latest run of each of <paramref name="codes"/> that has one (a page of a listing), by tenant code.</summary>
    public Task<IReadOnlyDictionary<string, ProvisionRun>> LatestRunsAsync(IReadOnlyCollection<string> codes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codes);
        return ReadAsync([.. codes], cancellationToken);
    }

    /// <summary>The latest run of tenant <paramref name="code"/>, or null when it was never provisioned.</summary>
    public async Task<ProvisionRun?> LatestRunAsync(string code, CancellationToken cancellationToken) =>
        (await ReadAsync([code], cancellationToken)).GetValueOrDefault(code);

    private async Task<IReadOnlyDictionary<string, ProvisionRun>> ReadAsync(string[] codes, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var runs = (await connection.QueryAsync<RunRow>(new CommandDefinition("""
            SELECT DISTINCT ON (tenant_code) id, tenant_code AS TenantCode, started_at AS StartedAt, finished_at AS FinishedAt, outcome, error
            FROM ipai_provision_run
            WHERE tenant_code = ANY (@codes)
            ORDER BY tenant_code, started_at DESC
            """, new { codes }, cancellationToken: cancellationToken))).ToList();
        if (runs.Count == 0) return new Dictionary<string, ProvisionRun>(StringComparer.Ordinal);
        var steps = (await connection.QueryAsync<StepRow>(new CommandDefinition("""
            SELECT run_id AS RunId, position, step, started_at AS StartedAt, finished_at AS FinishedAt, outcome, detail, error
            FROM ipai_provision_step WHERE run_id = ANY(@ids) ORDER BY run_id, position
            """, new { ids = runs.Select(r => r.Id).ToArray() }, cancellationToken: cancellationToken))).ToLookup(s => s.RunId);
        return runs.ToDictionary(r => r.TenantCode, r => new ProvisionRun(r.Id, r.TenantCode, Utc(r.StartedAt), Utc(r.FinishedAt), r.Outcome, r.Error,
            steps[r.Id].Select(s => new ProvisionRunStep(s.Position, s.Step, Utc(s.StartedAt), Utc(s.FinishedAt), s.Outcome, s.Detail, s.Error)).ToList()),
            StringComparer.Ordinal);
    }

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private static DateTimeOffset? Utc(DateTime? time) => time is { } t ? Utc(t) : null;

    private sealed class RunRow
    {
        public Guid Id { get; init; }
        public string TenantCode { get; init; } = "";
        public DateTime StartedAt { get; init; }
        public DateTime? FinishedAt { get; init; }
        public string? Outcome { get; init; }
        public string? Error { get; init; }
    }

    private sealed class StepRow
    {
        public Guid RunId { get; init; }
        public int Position { get; init; }
        public string Step { get; init; } = "";
        public DateTime StartedAt { get; init; }
        public DateTime? FinishedAt { get; init; }
        public string? Outcome { get; init; }
        public string? Detail { get; init; }
        public string? Error { get; init; }
    }
}
