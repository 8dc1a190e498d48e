using System.Diagnostics;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Provisioning;

namespace InsightPulse.Bench;

/// <summary>
/// <c>./ipai bench migrate</c>: <c>migrate --all</c> over the seed tenants and N bench tenants (schema tenants with the
/// finance module: <see cref="HttpBenchmarkTenants"/>), timed as the command runs it, fleet ledger included:
/// <list type="bullet">
/// <item>the pass with nothing to apply (every tenant current: one journal query decides, no provisioning run);</item>
/// <item>with <c>--full</c>, also the pass that provisions every tenant anyway (what every pass cost before the
/// journal decided), <see cref="Options.Parallel"/> tenants at once.</item>
/// </list>
/// The bench tenants are created at the start (unless <c>--keep</c> left exactly N) and dropped at the end unless <c>--keep</c>.
/// </summary>
public sealed class MigrateBenchmark(HttpBenchmarkTenants tenants, FleetMigrator fleet, PlatformDatabases databases)
{
    public sealed record Options(int Tenants = 1000, int Parallel = 2, bool Full = false, bool Keep = false);

    /// <summary>One timed pass: tenants in the fleet, how many were current (no run), how many got a run, how many failed.</summary>
    public sealed record Pass(string Name, double Seconds, int Tenants, int Current, int Ran, int Failed);

    public sealed record Result(IReadOnlyList<Pass> Passes, int Parallel, string ServerVersion, int Processors);

    /// <summary>The goal of the pass with nothing to apply at 1,000 tenants (issue 16).</summary>
    public const double NoOpGoalSeconds = 5;

    public async Task<Result> RunAsync(Options options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await tenants.EnsureAsync(options.Tenants, 1, progress, cancellationToken);
        try
        {
            var passes = new List<Pass>();
            // The first pass brings any seed tenant that is not current up to date; the timed ones follow it.
            await fleet.MigrateAsync(null, new FleetMigrator.Options(options.Parallel), null, cancellationToken);
            passes.Add(await PassAsync("nothing to apply", new FleetMigrator.Options(options.Parallel), progress, cancellationToken));
            if (options.Full) passes.Add(await PassAsync($"--full --parallel {options.Parallel}", new FleetMigrator.Options(options.Parallel, Full: true), progress, cancellationToken));
            return new Result(passes, options.Parallel, await databases.ServerVersionAsync(cancellationToken), Environment.ProcessorCount);
        }
        finally
        {
            if (!options.Keep) await tenants.DropAsync(progress, CancellationToken.None);
        }
    }

    private async Task<Pass> PassAsync(string name, FleetMigrator.Options options, Action<string>? progress, CancellationToken cancellationToken)
    {
        progress?.Invoke($"migrate --all: {name}…");
        var clock = Stopwatch.StartNew();
        var result = await fleet.MigrateAsync(null, options, null, cancellationToken);
        var seconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
        return new Pass(name, seconds, result.Tenants.Count, result.Tenants.Count(t => t.Current),
            result.Tenants.Count(t => !t.Current && !t.Skipped && t.Succeeded), result.Tenants.Count(t => !t.Succeeded));
    }
}
