using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// <c>migrate CODE|--all</c>: brings tenants up to the modules and databanks of this build by provisioning them
/// (every step an ensure, so only what is missing runs). <c>--all</c> first decides, in one query on the provisioning
/// journal, which tenants need a run (<see cref="CurrentAsync"/>): a tenant whose last run succeeded with this build's
/// scripts and asked for no module since is current, and gets no run; one whose last run succeeded with another
/// build's scripts gets only the scripts its stores lack (<see cref="TenantProvisioner.ApplyNewScriptsAsync"/>); the
/// others a full run (<see cref="Options.Full"/> gives every tenant a full run, which also finds and repairs drift).
/// Canary tenants go first (<see cref="Options.Canary"/>): if one fails, the fleet stops. A fleet run keeps a ledger
/// per tenant; it stops at the first failure unless told to keep going, and the next <c>--all</c> resumes it, skipping
/// the tenants it finished.
/// </summary>
public sealed class FleetMigrator(PlatformDatabases databases, TenantRegistry registry, TenantProvisioner provisioner)
{
    /// <summary>
    /// How a fleet run goes: <paramref name="Parallel"/> tenants at once; on past a failure when
    /// <paramref name="KeepGoing"/>; the first <paramref name="Canary"/> tenants that need a run first, alone, the fleet
    /// stopping if one fails; <paramref name="Full"/>: a run for every tenant, current ones too.
    /// </summary>
    public sealed record Options(int Parallel = 1, bool KeepGoing = false, int Canary = 0, bool Full = false);

    /// <summary>
    /// One tenant's outcome in a fleet run. <paramref name="Skipped"/>: done in the run this one resumed;
    /// <paramref name="Current"/>: its recorded run already applied this build's scripts, so it got none;
    /// <paramref name="NewScriptsOnly"/>: it got a new-scripts run, not a full one.
    /// </summary>
    public sealed record TenantOutcome(string Tenant, bool Succeeded, bool Skipped, bool Changed, string? Error, TimeSpan Elapsed, bool Current = false, bool Canary = false, bool NewScriptsOnly = false);

    /// <summary>A fleet run: its id, whether it resumed an earlier one, whether every tenant succeeded, and its tenants.</summary>
    public sealed record FleetResult(Guid RunId, bool Resumed, bool Succeeded, IReadOnlyList<TenantOutcome> Tenants);

    /// <summary>Provisioned tenants (active, or left half-way by a crash); drafts wait for `tenant provision`.</summary>
    public async Task<IReadOnlyList<string>> FleetAsync(CancellationToken cancellationToken) => FleetOf(await registry.ListAsync(cancellationToken));

    private static List<string> FleetOf(IReadOnlyList<Tenant> registered) =>
        registered.Where(t => t.State is TenantState.Active or TenantState.Provisioning).Select(t => t.Code).ToList();

    /// <summary>
    /// <c>tenant provision --all-drafts</c>: provisions every draft tenant (and every tenant a killed run left
    /// provisioning), <paramref name="parallel"/> at once, each on its own (one tenant's failure does not stop the
    /// others: onboarding many companies at once should not hang on one bad record). Outcomes in registry order.
    /// </summary>
    public async Task<IReadOnlyList<TenantOutcome>> ProvisionDraftsAsync(int parallel, Action<TenantOutcome>? onTenant, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        databases.Environment.RequireSession("`./ipai tenant provision --all-drafts`");
        var drafts = (await registry.ListAsync(cancellationToken)).Where(t => t.State is TenantState.Draft or TenantState.Provisioning).Select(t => t.Code).ToList();
        var outcomes = new TenantOutcome[drafts.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, drafts.Count), options, async (i, token) =>
        {
            outcomes[i] = await RunOneAsync(drafts[i], canary: false, null, token);
            onTenant?.Invoke(outcomes[i]);
        });
        return outcomes;
    }

    /// <summary>
    /// One tenant's run as a fleet outcome; a failure is its message, never an exception. With
    /// <paramref name="newScripts"/> (a settled tenant; the findings its pass shares), a new-scripts run when the
    /// tenant is still settled and free, else a full one.
    /// </summary>
    private async Task<TenantOutcome> RunOneAsync(string code, bool canary, IsolationLint.SharedFindings? newScripts, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var newScriptsOnly = newScripts is not null;
        try
        {
            var run = newScripts is null ? null : await provisioner.ApplyNewScriptsAsync(code, newScripts, cancellationToken);
            newScriptsOnly = run is not null;
            run ??= await provisioner.ProvisionAsync(code, new TenantProvisioner.Options(), null, null, cancellationToken);
            return new TenantOutcome(code, true, false, run.Changed, null, clock.Elapsed, Canary: canary, NewScriptsOnly: newScriptsOnly);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new TenantOutcome(code, false, false, false, e is Npgsql.PostgresException pg ? PostgresErrors.Describe(pg) : e.Message, clock.Elapsed, Canary: canary, NewScriptsOnly: newScriptsOnly);
        }
    }

    /// <summary>
    /// The active tenants whose last provisioning run succeeded with this build's scripts
    /// (<see cref="TenantProvisioner.ScriptsFingerprint"/>) and that asked for no module since it started: one query,
    /// whatever the size of the fleet.
    /// </summary>
    public async Task<IReadOnlySet<string>> CurrentAsync(CancellationToken cancellationToken) =>
        (await SettledAsync(cancellationToken)).Where(t => t.Value == provisioner.ScriptsFingerprint).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Settled tenants (active, last run succeeded, no module asked for since) with the scripts fingerprint of that
    /// run: current when it is this build's, else due for a new-scripts run (<see cref="TenantProvisioner.ApplyNewScriptsAsync"/>).
    /// </summary>
    private async Task<IReadOnlyDictionary<string, string?>> SettledAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        return (await connection.QueryAsync<(string Code, string? Scripts)>(new CommandDefinition(
                TenantProvisioner.SettledTenantsSql, new { code = (string?)null }, cancellationToken: cancellationToken)))
            .ToDictionary(t => t.Code, t => t.Scripts, StringComparer.Ordinal);
    }

    public async Task<FleetResult> MigrateAsync(
        IReadOnlyList<string>? codes, Options options, Action<TenantOutcome>? onTenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Parallel, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Canary);
        var (parallel, keepGoing) = (options.Parallel, options.KeepGoing);
        databases.Environment.RequireSession("`./ipai migrate`");
        // The registry read once: the fleet, and the tenants a pass's isolation findings are shared among.
        var registered = await registry.ListAsync(cancellationToken);
        var tenants = codes ?? FleetOf(registered);
        foreach (var code in codes ?? []) await registry.GetAsync(code, cancellationToken);
        // A tenant named on the command line always gets its run; the fleet only those that need one: none for a
        // current tenant, only the scripts its stores lack for another settled one, a full run for the rest.
        var settled = codes is null && !options.Full ? await SettledAsync(cancellationToken) : new Dictionary<string, string?>();
        var current = settled.Where(t => t.Value == provisioner.ScriptsFingerprint).Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        var shared = new IsolationLint.SharedFindings(registered);

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

        var outcomes = new List<TenantOutcome>();
        // Current tenants: succeeded in this run's ledger at once (one statement), reported, and never queued.
        var upToDate = tenants.Where(t => current.Contains(t) && !finished.Contains(t)).ToArray();
        if (upToDate.Length > 0)
        {
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO ipai_fleet_run_tenant (run_id, tenant_code, outcome)
                SELECT @runId, code, 'succeeded' FROM unnest(@codes) AS code
                ON CONFLICT (run_id, tenant_code) DO UPDATE SET outcome = excluded.outcome, error = NULL, finished_at = clock_timestamp()
                """, new { runId, codes = upToDate }, cancellationToken: cancellationToken));
        }
        foreach (var code in upToDate) Report(new TenantOutcome(code, true, false, false, null, TimeSpan.Zero, Current: true));
        var due = tenants.Where(t => !current.Contains(t) || finished.Contains(t)).ToList();

        // Workers take tenants in registry order from one queue; after a failure (unless keepGoing) no worker takes
        // another, so a stopped run leaves the rest untouched for the next run to resume. Canaries go first, alone:
        // the first K tenants that need a run; if one fails, no other tenant is touched.
        var canaries = due.Where(t => !finished.Contains(t)).Take(options.Canary).ToHashSet(StringComparer.Ordinal);
        var queue = new Queue<string>(due.Where(t => !canaries.Contains(t)));
        var stopped = false;
        var gate = new object();
        async Task WorkAsync(Queue<string> work)
        {
            while (true)
            {
                string code;
                lock (gate)
                {
                    if (stopped || !work.TryDequeue(out code!)) return;
                }
                if (finished.Contains(code))
                {
                    Report(new TenantOutcome(code, true, Skipped: true, false, null, TimeSpan.Zero));
                    continue;
                }
                var outcome = await RunOneAsync(code, canaries.Contains(code), settled.ContainsKey(code) ? shared : null, cancellationToken);
                if (!outcome.Succeeded && (!keepGoing || outcome.Canary)) lock (gate) stopped = true;
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
        var canaryQueue = new Queue<string>(due.Where(canaries.Contains));
        await WorkAsync(canaryQueue);
        await Task.WhenAll(Enumerable.Range(0, Math.Max(1, Math.Min(parallel, queue.Count))).Select(_ => Task.Run(() => WorkAsync(queue), cancellationToken)));

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
