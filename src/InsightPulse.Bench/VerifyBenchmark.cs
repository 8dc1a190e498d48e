using System.Diagnostics;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Verification;
using InsightPulse.Web;
using InsightPulse.Web.Verification;

namespace InsightPulse.Bench;

/// <summary>
/// <c>./ipai bench verify</c>: <c>verify --all</c> over the seed tenants and N bench tenants (schema tenants with the
/// finance module, its dashboard and seeded rows: <see cref="HttpBenchmarkTenants"/>), every gate of every tenant,
/// the HTTP ones against a web host started in this process, timed from the first tenant to the last. Any failed gate
/// fails the run. The bench tenants are created at the start (unless <c>--keep</c> left exactly N) and dropped at the
/// end unless <c>--keep</c>.
/// </summary>
public sealed class VerifyBenchmark(HttpBenchmarkTenants tenants, TenantVerifier verifier, FleetVerifier fleet, PlatformDatabases databases, IConfiguration configuration)
{
    public sealed record Options(int Tenants = 1000, int Parallel = 0, bool Keep = false, int Projects = 5)
    {
        public int ParallelOrDefault => Parallel > 0 ? Parallel : FleetVerifier.DefaultParallel;
    }

    public sealed record GateStats(string Gate, double P50Ms, double P95Ms, double MaxMs, int Skipped);

    public sealed record Result(
        int Tenants, int Parallel, double Seconds, double TenantsPerSecond, double TenantP50Ms, double TenantP95Ms,
        IReadOnlyList<GateStats> Gates, int Failed, IReadOnlyList<string> FailedEvidence, string ServerVersion, int Processors);

    public async Task<Result> RunAsync(Options options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        await tenants.EnsureAsync(options.Tenants, options.Projects, progress, cancellationToken);
        try
        {
            var codes = await verifier.ActiveTenantsAsync(cancellationToken);
            await using var site = await VerificationSite.OpenAsync(configuration, null, inProcess: true, cancellationToken);
            progress?.Invoke($"verifying {codes.Count} active tenant(s), {options.ParallelOrDefault} at once, at {site.Description}…");
            var clock = Stopwatch.StartNew();
            var done = 0;
            var results = await fleet.VerifyAsync(codes, site.Address, options.ParallelOrDefault, _ =>
            {
                if (Interlocked.Increment(ref done) % 100 == 0) progress?.Invoke($"  {done} of {codes.Count} verified ({clock.Elapsed.TotalSeconds:0.0} s)");
            }, cancellationToken);
            var seconds = clock.Elapsed.TotalSeconds;
            var perTenant = results.Select(r => r.Elapsed.TotalMilliseconds).Order().ToArray();
            var gates = results.SelectMany(r => r.Gates).GroupBy(g => g.Name).Select(g =>
            {
                var ran = g.Where(x => x.Outcome != VerificationGate.Skipped).Select(x => x.Elapsed.TotalMilliseconds).Order().ToArray();
                return new GateStats(g.Key, Percentile(ran, 0.5), Percentile(ran, 0.95), ran.Length > 0 ? Math.Round(ran[^1], 1) : 0, g.Count(x => x.Outcome == VerificationGate.Skipped));
            }).ToList();
            var failed = results.Where(r => !r.Passed).ToList();
            return new Result(codes.Count, options.ParallelOrDefault, Math.Round(seconds, 2), Math.Round(codes.Count / seconds, 1),
                Math.Round(Percentile(perTenant, 0.5), 1), Math.Round(Percentile(perTenant, 0.95), 1), gates, failed.Count,
                failed.Take(5).SelectMany(r => r.Gates.Where(g => g.Fails).Select(g => $"{r.Tenant}/{g.Name}: {g.Evidence}")).ToList(),
                await databases.ServerVersionAsync(cancellationToken), Environment.ProcessorCount);
        }
        finally
        {
            if (!options.Keep) await tenants.DropAsync(progress, CancellationToken.None);
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)], 1);
}
