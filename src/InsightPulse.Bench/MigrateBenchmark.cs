using System.Diagnostics;
using Dapper;
using InsightPulse.Core;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Bench;

/// <summary>
/// <c>./ipai bench migrate</c>: <c>migrate --all</c> over the seed tenants and N bench tenants (schema tenants with the
/// finance module: <see cref="HttpBenchmarkTenants"/>), timed as the command runs it, fleet ledger included:
/// <list type="bullet">
/// <item>the pass with nothing to apply (every tenant current: one journal query decides, no provisioning run);</item>
/// <item>with <c>--full</c>, also the pass that provisions every tenant anyway (what every pass cost before the
/// journal decided), <see cref="Options.Parallel"/> tenants at once;</item>
/// <item>with <c>--new-script</c>, the pass after a build that adds one script to the finance module (one nullable
/// column, django-tenants' <c>AddField</c>): every tenant with the module gets a run that applies it, the others are
/// migrated too (their fingerprint changed). The services of that pass are built with that one script more
/// (<see cref="NewScript"/>); afterwards the column and its journal rows are removed and the tenants' recorded
/// fingerprint set back, so the fleet is as before.</item>
/// </list>
/// The bench tenants are created at the start (unless <c>--keep</c> left exactly N) and dropped at the end unless <c>--keep</c>.
/// </summary>
public sealed class MigrateBenchmark(
    HttpBenchmarkTenants tenants, FleetMigrator fleet, PlatformDatabases databases, TenantProvisioner provisioner, TenantRegistry registry, IConfiguration configuration)
{
    public sealed record Options(int Tenants = 1000, int Parallel = 2, bool Full = false, bool Keep = false, bool NewScript = false);

    /// <summary>The script <c>--new-script</c> adds to the finance module: one nullable column, as django-tenants' AddField bench.</summary>
    public static readonly Migration NewScript = new("9000_bench_new_column.sql", "ALTER TABLE ppm_project ADD COLUMN bench_note varchar(200);");

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
            if (options.NewScript)
            {
                foreach (var parallel in new[] { 1, options.Parallel }.Distinct())
                {
                    passes.Add(await NewScriptPassAsync(parallel, progress, cancellationToken));
                }
            }
            return new Result(passes, options.Parallel, await databases.ServerVersionAsync(cancellationToken), Environment.ProcessorCount);
        }
        finally
        {
            if (!options.Keep) await tenants.DropAsync(progress, CancellationToken.None);
        }
    }

    /// <summary>
    /// One pass of a build with <see cref="NewScript"/> in the finance module (services of their own, on the same
    /// configuration), then the fleet set back as it was: the column dropped, its journal rows deleted, the recorded
    /// fingerprint of the runs that applied it set back to this build's.
    /// </summary>
    private async Task<Pass> NewScriptPassAsync(int parallel, Action<string>? progress, CancellationToken cancellationToken)
    {
        var finance = ModuleCatalog.Embedded.Get(HttpBenchmarkTenants.Module);
        var withScript = ModuleCatalog.Embedded.WithScripts(finance.Name, [NewScript]);
        await using var services = new ServiceCollection().AddInsightPulseCore(configuration).AddSingleton(withScript).BuildServiceProvider();
        var newBuild = services.GetRequiredService<FleetMigrator>();
        var pass = await PassAsync($"one new script (AddField) --parallel {parallel}", new FleetMigrator.Options(parallel), progress, cancellationToken, newBuild);
        var newFingerprint = services.GetRequiredService<TenantProvisioner>().ScriptsFingerprint;

        progress?.Invoke("setting the fleet back: the new column and its journal rows removed…");
        var withModule = (await registry.ListAsync(cancellationToken)).Where(t => t.State == TenantState.Active).Select(t => t.SupabaseSchema).Distinct().ToList();
        await using (var data = await databases.Data.OpenConnectionAsync(cancellationToken))
        {
            foreach (var schema in withModule)
            {
                if (!await data.ExecuteScalarAsync<bool>(new CommandDefinition(
                        "SELECT to_regclass(format('%I.ppm_project', @schema::text)) IS NOT NULL", new { schema }, cancellationToken: cancellationToken)))
                {
                    continue;
                }
                await data.ExecuteAsync(new CommandDefinition($"""
                    ALTER TABLE {Sql.Identifier(schema)}.ppm_project DROP COLUMN IF EXISTS bench_note;
                    DELETE FROM {Sql.Identifier(schema)}.{MigrationRunner.Journal} WHERE scope = @scope AND migration_id = @id;
                    """, new { scope = finance.Scope, id = NewScript.Id }, cancellationToken: cancellationToken));
            }
        }
        await using (var platform = await databases.Platform.OpenConnectionAsync(cancellationToken))
        {
            await platform.ExecuteAsync(new CommandDefinition("UPDATE ipai_provision_run SET scripts = @current WHERE scripts = @newFingerprint",
                new { current = provisioner.ScriptsFingerprint, newFingerprint }, cancellationToken: cancellationToken));
        }
        return pass;
    }

    private async Task<Pass> PassAsync(string name, FleetMigrator.Options options, Action<string>? progress, CancellationToken cancellationToken, FleetMigrator? build = null)
    {
        progress?.Invoke($"migrate --all: {name}…");
        var clock = Stopwatch.StartNew();
        var result = await (build ?? fleet).MigrateAsync(null, options, null, cancellationToken);
        var seconds = Math.Round(clock.Elapsed.TotalSeconds, 3);
        return new Pass(name, seconds, result.Tenants.Count, result.Tenants.Count(t => t.Current),
            result.Tenants.Count(t => !t.Current && !t.Skipped && t.Succeeded), result.Tenants.Count(t => !t.Succeeded));
    }
}
