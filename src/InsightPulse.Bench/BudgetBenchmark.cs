using System.Diagnostics;
using System.Globalization;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Bench;

/// <summary>
/// <c>./ipai bench budget</c>: N tenants with databases of their own (<c>bench_db_0001</c>…, base modules), wrk
/// requests spread round robin over all their hosts (each request reads the tenant's own database as the runtime role),
/// against the web runtime in this process with a connection budget of B per server. While wrk runs, the runtime
/// role's sessions are counted in <c>pg_stat_activity</c> every few milliseconds: the peak must not pass the budget,
/// and every request must answer 200.
/// </summary>
public sealed class BudgetBenchmark(
    TenantRegistry registry, TenantProvisioner provisioner, TenantArchiver archiver, PlatformDatabases databases, PlatformEnvironmentSource source, IConfiguration configuration)
{
    public const string CodePrefix = "bench_db_";

    public sealed record Options(int Tenants = 1000, int Budget = 40, int DurationSeconds = 30, int Connections = 64, int Threads = 2, bool Keep = false);

    public sealed record Result(
        int Tenants, int Budget, int Connections, double Seconds, long Requests, double RequestsPerSecond, double P50Ms, double P99Ms, double MaxMs, long Errors,
        int PeakSessions, int PeakTenantDatabases, double MeanSessions, int Samples, ConnectionBudgetStats? HomeBudget, string ServerVersion, int Processors);

    public static string Code(int index) => CodePrefix + index.ToString("D4", CultureInfo.InvariantCulture);

    public async Task<Result> RunAsync(Options options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        WrkRunner.EnsureInstalled();
        await EnsureTenantsAsync(options.Tenants, progress, cancellationToken);
        try
        {
            var settings = new ConfigurationBuilder().AddConfiguration(configuration)
                .AddInMemoryCollection(new Dictionary<string, string?> { ["Connections:Budget"] = options.Budget.ToString(CultureInfo.InvariantCulture) }).Build();
            await using var host = await HttpBenchmarkHost.StartAsync(settings, databases, HttpBenchmarkTenants.FixedSchema, HttpBenchmarkTenants.SharedSchema, cancellationToken);
            var hosts = Enumerable.Range(1, options.Tenants).Select(i => $"{Host(i)}:{host.Port}").ToList();
            await ProbeAsync(host.Port, hosts, progress, cancellationToken);

            progress?.Invoke($"wrk: {options.Connections} connections over {options.Tenants} tenant hosts for {options.DurationSeconds} s, budget {options.Budget} per server…");
            using var stop = new CancellationTokenSource();
            var sampler = SampleAsync(stop.Token);
            var run = await new WrkRunner(options.Threads, options.Connections).RunAsync(host.Port, HttpBenchmarkEndpoints.DatabasePath, hosts, TimeSpan.FromSeconds(options.DurationSeconds), cancellationToken);
            await stop.CancelAsync();
            var (peak, peakTenantDatabases, mean, samples) = await sampler;
            var budget = host.Services.GetRequiredService<PlatformDatabases>().BudgetStats.FirstOrDefault(b => b.Server == FleetServer.Home);
            return new Result(options.Tenants, options.Budget, options.Connections, Math.Round(run.Seconds, 3), run.Requests, Math.Round(run.RequestsPerSecond, 1),
                run.P50Ms, run.P99Ms, run.MaxMs, run.Errors, peak, peakTenantDatabases, Math.Round(mean, 1), samples, budget,
                await databases.ServerVersionAsync(cancellationToken), Environment.ProcessorCount);
        }
        finally
        {
            if (!options.Keep) await archiver.DeleteAllAsync(CodePrefix, count => progress?.Invoke($"dropping {count} bench tenant(s)"), CancellationToken.None);
        }
    }

    private static string Host(int index) => TenantHosts.DevelopmentHost(Code(index), TenantHosts.DefaultDevelopmentSuffix)!;

    /// <summary>Exactly <paramref name="count"/> active bench tenants with databases of their own: a kept set of that size is reused.</summary>
    private async Task EnsureTenantsAsync(int count, Action<string>? progress, CancellationToken cancellationToken)
    {
        var existing = (await registry.ListAsync(cancellationToken)).Where(t => t.Code.StartsWith(CodePrefix, StringComparison.Ordinal)).ToList();
        if (existing.Count == count && existing.All(t => t.State == TenantState.Active))
        {
            progress?.Invoke($"reusing {count} bench tenant(s) a --keep run left");
            return;
        }
        await archiver.DeleteAllAsync(CodePrefix, n => progress?.Invoke($"dropping {n} bench tenant(s) of an earlier run"), cancellationToken);
        var clock = Stopwatch.StartNew();
        for (var i = 1; i <= count; i++)
        {
            await registry.CreateAsync(Tenant.New(Code(i), $"Budget benchmark {i}") with { PrimaryDomain = Host(i) }, cancellationToken);
            await provisioner.ProvisionAsync(Code(i), new TenantProvisioner.Options(), null, null, cancellationToken);
            if (i % 50 == 0 || i == count) progress?.Invoke(FormattableString.Invariant($"{i} of {count} bench tenant(s) provisioned ({clock.Elapsed.TotalSeconds:0} s)"));
        }
    }

    /// <summary>Every host answers 200 with its user count (1: its admin).</summary>
    private static async Task ProbeAsync(int port, List<string> hosts, Action<string>? progress, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        foreach (var host in hosts)
        {
            using var response = await HttpBenchmark.GetJsonAsync(client, HttpBenchmarkEndpoints.DatabasePath, host, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode || body != "[1]")
            {
                throw new HttpBenchmarkException($"{HttpBenchmarkEndpoints.DatabasePath} on {host} answered {(int)response.StatusCode} {body}: expected 200 [1].");
            }
        }
        progress?.Invoke($"every one of {hosts.Count} tenant hosts answers from its own database");
    }

    /// <summary>The runtime role's sessions on the home server, counted every 5 ms until stopped: peak, peak on bench databases, mean, samples.</summary>
    private async Task<(int Peak, int PeakTenantDatabases, double Mean, int Samples)> SampleAsync(CancellationToken stop)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(CancellationToken.None);
        int peak = 0, peakBench = 0, samples = 0;
        long sum = 0;
        while (!stop.IsCancellationRequested)
        {
            var (all, bench) = await connection.QuerySingleAsync<(int, int)>(
                "SELECT count(*)::int, (count(*) FILTER (WHERE datname LIKE 'odoo_bench_db_%'))::int FROM pg_stat_activity WHERE usename = @role",
                new { role = source.Names.AppRole });
            peak = Math.Max(peak, all);
            peakBench = Math.Max(peakBench, bench);
            sum += all;
            samples++;
            try { await Task.Delay(5, stop); } catch (OperationCanceledException) { }
        }
        return (peak, peakBench, samples == 0 ? 0 : (double)sum / samples, samples);
    }
}
