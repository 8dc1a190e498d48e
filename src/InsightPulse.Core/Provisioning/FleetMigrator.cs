using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// <c>migrate CODE|--all</c>: brings tenants up to the modules and databanks of this build by provisioning them
/// (every step an ensure, so only what is missing runs). A fleet run keeps a ledger per tenant; it stops at the
/// first failure unless told to keep going, and the next <c>--all</c> resumes it, skipping the tenants it finished.
/// </summary>
public sealed class FleetMigrator(PlatformDatabases databases, TenantRegistry registry, TenantProvisioner provisioner)
{
    /// <summary>One tenant's outcome in a fleet run.</summary>
    public sealed record TenantOutcome(string Tenant, bool Succeeded, bool Skipped, bool Changed, string? Error, TimeSpan Elapsed);

    /// <summary>A fleet run: its id, whether it resumed an earlier one, whether every tenant succeeded, and its tenants.</summary>
    public sealed record FleetResult(Guid RunId, bool Resumed, bool Succeeded, IReadOnlyList<TenantOutcome> Tenants);

    /// <summary>Provisioned tenants (active, or left half-way by a crash); drafts wait for `tenant provision`.</summary>
    public async Task<IReadOnlyList<string>> FleetAsync(CancellationToken cancellationToken) =>
        (await registry.ListAsync(cancellationToken))
            .Where(t => t.State is TenantState.Active or TenantState.Provisioning)
            .Select(t => t.Code)
            .ToList();

    public async Task<FleetResult> MigrateAsync(
        IReadOnlyList<string>? codes, int parallel, bool keepGoing, Action<TenantOutcome>? onTenant, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        databases.Environment.RequireSession("`./ipai migrate`");
        var tenants = codes ?? await FleetAsync(cancellationToken);
        foreach (var code in codes ?? []) await registry.GetAsync(code, cancellationToken);

        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        Guid runId;
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var resumable = codes is null
            ? await connection.QueryFirstOrDefaultAsync<Guid?>(new CommandDefinition(
                "SELECT id FROM ipai_fleet_run WHERE outcome IS DISTINCT FROM 'succeeded' ORDER BY started_at DESC LIMIT 1", cancellationToken: cancellationToken))
            : null;
        if (resumable is { } previous)
        {
            runId = previous;
            finished.UnionWith(await connection.QueryAsync<string>(new CommandDefinition(
                "SELECT tenant_code FROM ipai_fleet_run_tenant WHERE run_id = @runId AND outcome = 'succeeded'", new { runId }, cancellationToken: cancellationToken)));
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE ipai_fleet_run SET finished_at = NULL, outcome = NULL, keep_going = @keepGoing WHERE id = @runId", new { runId, keepGoing }, cancellationToken: cancellationToken));
        }
        else
        {
            runId = Guid.NewGuid();
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO ipai_fleet_run (id, keep_going) VALUES (@runId, @keepGoing)", new { runId, keepGoing }, cancellationToken: cancellationToken));
        }

        // Workers take tenants in registry order from one queue; after a failure (unless keepGoing) no worker takes
        // another, so a stopped run leaves the rest untouched for the next run to resume.
        var outcomes = new List<TenantOutcome>();
        var queue = new Queue<string>(tenants);
        var stopped = false;
        async Task WorkAsync()
        {
            while (true)
            {
                string code;
                lock (queue)
                {
                    if (stopped || !queue.TryDequeue(out code!)) return;
                }
                if (finished.Contains(code))
                {
                    Report(new TenantOutcome(code, true, Skipped: true, false, null, TimeSpan.Zero));
                    continue;
                }
                var clock = System.Diagnostics.Stopwatch.StartNew();
                TenantOutcome outcome;
                try
                {
                    var run = await provisioner.ProvisionAsync(code, new TenantProvisioner.Options(), null, null, cancellationToken);
                    outcome = new TenantOutcome(code, true, false, run.Changed, null, clock.Elapsed);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    outcome = new TenantOutcome(code, false, false, false, e is Npgsql.PostgresException pg ? PostgresErrors.Describe(pg) : e.Message, clock.Elapsed);
                    if (!keepGoing) lock (queue) stopped = true;
                }
                await using (var ledger = await databases.Platform.OpenConnectionAsync(CancellationToken.None))
                {
                    await ledger.ExecuteAsync("""
                        INSERT INTO ipai_fleet_run_tenant (run_id, tenant_code, outcome, error) VALUES (@runId, @Tenant, @result, @Error)
                        ON CONFLICT (run_id, tenant_code) DO UPDATE SET outcome = excluded.outcome, error = excluded.error, finished_at = clock_timestamp()
                        """, new { runId, outcome.Tenant, result = outcome.Succeeded ? "succeeded" : "failed", outcome.Error });
                }
                Report(outcome);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, Math.Min(parallel, tenants.Count))).Select(_ => Task.Run(WorkAsync, cancellationToken)));

        var complete = outcomes.Count(o => o.Succeeded) == tenants.Count;
        await connection.ExecuteAsync(new CommandDefinition(
            "UPDATE ipai_fleet_run SET finished_at = clock_timestamp(), outcome = @outcome WHERE id = @runId",
            new { runId, outcome = complete ? "succeeded" : "failed" }, cancellationToken: cancellationToken));
        return new FleetResult(runId, resumable is not null, complete, outcomes.OrderBy(o => o.Tenant, StringComparer.Ordinal).ToList());

        void Report(TenantOutcome outcome)
        {
            lock (outcomes) outcomes.Add(outcome);
            onTenant?.Invoke(outcome);
        }
    }
}
