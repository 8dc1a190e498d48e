using System.Diagnostics;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Bench;

/// <summary>
/// <c>./ipai bench provision</c>: provisions N fresh tenants of each kind (own database or schema in the shared
/// one; template path on or off) inside this process and reports p50/p95 per step and in total. The kinds take
/// turns tenant by tenant, so drift on a noisy machine touches them alike. Leftovers of an earlier run are
/// dropped first and the file system is given time to settle before anything is timed (DESIGN.md §5); this
/// run's tenants are dropped after the timing.
/// </summary>
public sealed class ProvisioningBenchmark(TenantRegistry registry, TenantProvisioner provisioner, TenantArchiver archiver, PlatformDatabases databases)
{
    public const string CodePrefix = "bench_";

    /// <summary>One kind of tenant the benchmark provisions.</summary>
    public sealed record Variant(string Name, string Key, bool OwnDatabase, bool UseTemplate);

    public static readonly IReadOnlyList<Variant> Variants =
    [
        new("full (own database, template)", "ft", OwnDatabase: true, UseTemplate: true),
        new("full (own database, no template)", "fm", OwnDatabase: true, UseTemplate: false),
        new("schema (shared database, template)", "st", OwnDatabase: false, UseTemplate: true),
        new("schema (shared database, no template)", "sm", OwnDatabase: false, UseTemplate: false),
    ];

    /// <summary>Seconds: median, 95th percentile, fastest, slowest.</summary>
    public sealed record Stats(double P50, double P95, double Min, double Max)
    {
        public static Stats Of(IReadOnlyCollection<double> seconds)
        {
            if (seconds.Count == 0) return new Stats(0, 0, 0, 0);
            var sorted = seconds.Order().ToArray();
            return new Stats(Percentile(sorted, 0.50), Percentile(sorted, 0.95), sorted[0], sorted[^1]);
        }

        /// <summary>Nearest-rank percentile of sorted values.</summary>
        public static double Percentile(double[] sorted, double p)
        {
            ArgumentNullException.ThrowIfNull(sorted);
            var rank = (int)Math.Ceiling(p * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }

    /// <summary>
    /// One kind's figures: per step, in total, the first tenant of the run (it may build the template and warms
    /// the process; not in the totals), and the median of the first and last tenth (cost linear in N: equal).
    /// </summary>
    public sealed record VariantResult(string Variant, int Tenants, IReadOnlyDictionary<string, Stats> Steps, Stats Total, double FirstTenant, double FirstTenthP50, double LastTenthP50)
    {
        /// <summary>Each tenant's seconds in the order provisioned (the growth curve <c>scripts/plot-bench.py</c> draws).</summary>
        public IReadOnlyList<double> PerTenantSeconds { get; init; } = [];
    }

    public sealed record Result(int Tenants, int DroppedBefore, double SettledSeconds, string ServerVersion, IReadOnlyList<VariantResult> Variants)
    {
        /// <summary>Full tenants: total p50 through the template over total p50 running the migrations.</summary>
        public double TemplateRatio => Variants[1].Total.P50 > 0 ? Variants[0].Total.P50 / Variants[1].Total.P50 : 0;
    }

    public async Task<Result> RunAsync(int tenants, TimeSpan settle, bool keep, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(tenants, 1);
        var dropped = await DropLeftoversAsync(progress, cancellationToken);
        var settled = TimeSpan.Zero;
        if (dropped > 0 && settle > TimeSpan.Zero)
        {
            progress?.Invoke($"dropped {dropped} tenant(s) of an earlier run; waiting {settle.TotalSeconds:0} s for the file system to settle");
            await Task.Delay(settle, cancellationToken);
            settled = settle;
        }

        var totals = Variants.ToDictionary(v => v.Key, _ => new List<double>());
        var steps = Variants.ToDictionary(v => v.Key, _ => TenantProvisioner.StepNames.ToDictionary(s => s, _ => new List<double>()));
        var first = new Dictionary<string, double>();
        // Tenant 0 of each kind is the warm-up (JIT, pools, template); tenants 1..N are timed.
        for (var i = 0; i <= tenants; i++)
        {
            foreach (var variant in Variants)
            {
                var code = $"{CodePrefix}{variant.Key}_{i:D4}";
                var tenant = Tenant.New(code, $"Benchmark {variant.Key} {i}");
                if (!variant.OwnDatabase) tenant = tenant with { DbName = databases.Environment.PlatformDatabase };
                await registry.CreateAsync(tenant, cancellationToken);
                var clock = Stopwatch.StartNew();
                var run = await provisioner.ProvisionAsync(code, new TenantProvisioner.Options(UseTemplate: variant.UseTemplate), null, null, cancellationToken);
                var seconds = clock.Elapsed.TotalSeconds;
                if (i == 0)
                {
                    first[variant.Key] = seconds;
                    continue;
                }
                totals[variant.Key].Add(seconds);
                foreach (var step in run.Steps) steps[variant.Key][step.Step].Add(step.Elapsed.TotalSeconds);
            }
            if (i > 0 && (i % 10 == 0 || i == tenants)) progress?.Invoke($"{i} of {tenants} tenant(s) of each kind provisioned");
        }

        var version = await databases.ServerVersionAsync(cancellationToken);
        var results = Variants.Select(v =>
        {
            var all = totals[v.Key];
            var tenth = Math.Max(1, all.Count / 10);
            return new VariantResult(v.Name, all.Count,
                steps[v.Key].ToDictionary(s => s.Key, s => Stats.Of(s.Value)),
                Stats.Of(all), first[v.Key], Stats.Of(all.Take(tenth).ToList()).P50, Stats.Of(all.TakeLast(tenth).ToList()).P50)
            {
                PerTenantSeconds = [.. all.Select(t => Math.Round(t, 4))],
            };
        }).ToList();
        if (!keep) await DropLeftoversAsync(progress, cancellationToken);
        return new Result(tenants, dropped, settled.TotalSeconds, version, results);
    }

    /// <summary>Drops every benchmark tenant (database, schema, rows, record, generated password).</summary>
    public Task<int> DropLeftoversAsync(Action<string>? progress, CancellationToken cancellationToken) =>
        archiver.DeleteAllAsync(CodePrefix, count => progress?.Invoke($"dropping {count} benchmark tenant(s)"), cancellationToken);
}
