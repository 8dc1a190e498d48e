using System.Net.Http.Headers;
using InsightPulse.Core.Databases;

namespace InsightPulse.Bench;

/// <summary>
/// <c>./ipai bench http</c>: wrk drives, against the web runtime hosted in this process, in one run: the tenant-scoped
/// endpoint across N tenant hosts; the baseline, the same N tenants' rows in one schema without RLS read by an
/// explicit <c>WHERE tenant_id</c> across the same hosts (<see cref="HttpBenchmarkEndpoints.SharedPath"/>); and the old
/// comparison, one tenant's rows in one fixed schema on one host (<see cref="HttpBenchmarkEndpoints.FixedPath"/>). First
/// a probe (every host answers 200 with byte-identical JSON on every path), a warm-up of each path, then rounds in
/// which the three paths run back to back, the order rotating from round to round. Any error or response ≥ 400 fails
/// the run. The bench tenants are created at the start (an earlier run's leftovers dropped first) and dropped at the
/// end, also when the run fails or is cancelled.
/// </summary>
public sealed class HttpBenchmark(HttpBenchmarkTenants tenants, PlatformDatabases databases, IConfiguration configuration)
{
    public sealed record Options(int Tenants = 50, int DurationSeconds = 10, int Connections = 16, int Threads = 2, int Rounds = 3, int WarmupSeconds = 5, int Projects = 20)
    {
        public IReadOnlyList<string> Problems()
        {
            var problems = new List<string>();
            if (Tenants is < 1 or > 9999) problems.Add("--tenants must be between 1 and 9999.");
            if (DurationSeconds < 1) problems.Add("--duration must be 1 second or more.");
            if (Threads < 1) problems.Add("--threads must be 1 or more.");
            if (Connections < Threads) problems.Add("--connections must be at least --threads (wrk gives each thread its share).");
            if (Rounds < 1) problems.Add("--rounds must be 1 or more.");
            if (WarmupSeconds < 0) problems.Add("--warmup must be 0 or more.");
            if (Projects < 1) problems.Add("--projects must be 1 or more.");
            return problems;
        }
    }

    public async Task<HttpBenchmarkResult> RunAsync(Options options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        if (problems.Count > 0) throw new HttpBenchmarkException(string.Join(" ", problems));
        WrkRunner.EnsureInstalled();
        var startedAt = DateTimeOffset.UtcNow;
        var dropped = await tenants.DropAsync(progress, cancellationToken);
        try
        {
            progress?.Invoke($"creating {options.Tenants} bench tenant(s) with {options.Projects} project(s) each, and the fixed schema…");
            await tenants.CreateAsync(options.Tenants, options.Projects, progress, cancellationToken);
            using var hostLatency = new HostLatency();
            await using var host = await HttpBenchmarkHost.StartAsync(configuration, databases, HttpBenchmarkTenants.FixedSchema, HttpBenchmarkTenants.SharedSchema, cancellationToken);
            return await MeasureAsync(options, host.Port, hostLatency, startedAt, dropped, progress, cancellationToken);
        }
        finally
        {
            // Also on failure and Ctrl+C: the bench tenants never outlive the run.
            await tenants.DropAsync(progress, CancellationToken.None);
        }
    }

    private async Task<HttpBenchmarkResult> MeasureAsync(
        Options options, int port, HostLatency hostLatency, DateTimeOffset startedAt, int dropped, Action<string>? progress, CancellationToken cancellationToken)
    {
        var tenantHosts = Enumerable.Range(1, options.Tenants).Select(i => $"{HttpBenchmarkTenants.Host(i)}:{port}").ToList();
        // The fixed path goes through the same pipeline, host routing included (one host); its handler ignores the tenant.
        IReadOnlyList<string> fixedHosts = [tenantHosts[0]];
        var body = await ProbeAsync(port, tenantHosts, cancellationToken);
        progress?.Invoke($"serving on 127.0.0.1:{port}: {tenantHosts.Count} tenant host(s) answer the same {body.Length:N0}-byte JSON on every path");

        var wrk = new WrkRunner(options.Threads, options.Connections);
        var paths = new[]
        {
            (Name: HttpBenchmarkEndpoints.TenantPath, Hosts: (IReadOnlyList<string>)tenantHosts),
            (Name: HttpBenchmarkEndpoints.SharedPath, Hosts: tenantHosts),
            (Name: HttpBenchmarkEndpoints.FixedPath, Hosts: fixedHosts),
        };
        if (options.WarmupSeconds > 0)
        {
            foreach (var (name, hosts) in paths)
            {
                progress?.Invoke($"warm-up {name} {options.WarmupSeconds} s");
                Check(await wrk.RunAsync(port, name, hosts, TimeSpan.FromSeconds(options.WarmupSeconds), cancellationToken));
            }
        }
        var runs = new List<HttpBenchmarkResult.RoundRun>();
        var raw = new List<WrkRun>();
        for (var round = 1; round <= options.Rounds; round++)
        {
            // Each path goes first, second and third in turn.
            var order = paths.Skip((round - 1) % paths.Length).Concat(paths.Take((round - 1) % paths.Length)).ToArray();
            for (var position = 0; position < order.Length; position++)
            {
                var (name, hosts) = order[position];
                hostLatency.Clear();
                var run = Check(await wrk.RunAsync(port, name, hosts, TimeSpan.FromSeconds(options.DurationSeconds), cancellationToken));
                var inHost = hostLatency.TakePercentiles(name);
                raw.Add(run);
                runs.Add(new HttpBenchmarkResult.RoundRun(round, position + 1, name, run.RequestsPerSecond, run.P50Ms, run.P90Ms, run.P99Ms, run.MaxMs, run.Requests, run.Seconds,
                    Math.Round(inHost.P50Ms, 3), Math.Round(inHost.P99Ms, 3)));
                progress?.Invoke(FormattableString.Invariant(
                    $"round {round} {name}: {run.RequestsPerSecond:0} req/s, p50 {run.P50Ms:0.00} ms, p99 {run.P99Ms:0.00} ms (in the host: p50 {inHost.P50Ms:0.00} ms, p99 {inHost.P99Ms:0.00} ms)"));
            }
        }

        List<HttpBenchmarkResult.RoundRun> RunsOf(string path) => runs.Where(r => r.Path == path).OrderBy(r => r.Round).ToList();
        var (tenantRuns, sharedRuns, fixedRuns) = (RunsOf(HttpBenchmarkEndpoints.TenantPath), RunsOf(HttpBenchmarkEndpoints.SharedPath), RunsOf(HttpBenchmarkEndpoints.FixedPath));
        var tenantFigures = Figures(HttpBenchmarkEndpoints.TenantPath, tenantRuns, raw);
        var sharedFigures = Figures(HttpBenchmarkEndpoints.SharedPath, sharedRuns, raw);
        var fixedFigures = Figures(HttpBenchmarkEndpoints.FixedPath, fixedRuns, raw);
        // A redirect or other answer than the JSON would change the bytes per response: they must match.
        foreach (var other in new[] { sharedFigures, fixedFigures })
        {
            if (Math.Abs(tenantFigures.BytesPerResponse - other.BytesPerResponse) > 0.01 * other.BytesPerResponse)
            {
                throw new HttpBenchmarkException(FormattableString.Invariant(
                    $"{other.Path} and the tenant path answered different responses ({other.BytesPerResponse:0.0} vs {tenantFigures.BytesPerResponse:0.0} bytes per response): not comparable."));
            }
        }
        HttpBenchmarkResult.Ratio RatioOf(List<HttpBenchmarkResult.RoundRun> baseline, Func<HttpBenchmarkResult.RoundRun, double> figure, double goal) =>
            new(HttpBenchmarkResult.Spread.Of(tenantRuns.Zip(baseline, (t, b) => figure(t) / figure(b)).ToList()), goal);
        return new HttpBenchmarkResult(startedAt, Environment.ProcessorCount, await databases.ServerVersionAsync(cancellationToken),
            options.Tenants, options.Projects, options.DurationSeconds, options.WarmupSeconds, options.Rounds, options.Connections, options.Threads,
            body.Length, dropped, tenantFigures, sharedFigures, fixedFigures,
            RatioOf(sharedRuns, r => r.RequestsPerSecond, HttpBenchmarkResult.ThroughputGoal), RatioOf(sharedRuns, r => r.P99Ms, HttpBenchmarkResult.P99Goal),
            RatioOf(fixedRuns, r => r.RequestsPerSecond, HttpBenchmarkResult.ThroughputGoal), RatioOf(fixedRuns, r => r.P99Ms, HttpBenchmarkResult.P99Goal),
            runs);
    }

    private static HttpBenchmarkResult.PathFigures Figures(string path, IReadOnlyList<HttpBenchmarkResult.RoundRun> runs, IReadOnlyList<WrkRun> raw)
    {
        var mine = raw.Where(r => r.Path == path).ToList();
        return new HttpBenchmarkResult.PathFigures(path,
            HttpBenchmarkResult.Spread.Of(runs.Select(r => r.RequestsPerSecond).ToList()),
            HttpBenchmarkResult.Spread.Of(runs.Select(r => r.P50Ms).ToList()),
            HttpBenchmarkResult.Spread.Of(runs.Select(r => r.P90Ms).ToList()),
            HttpBenchmarkResult.Spread.Of(runs.Select(r => r.P99Ms).ToList()),
            HttpBenchmarkResult.Spread.Of(runs.Select(r => r.HostP99Ms).ToList()),
            mine.Sum(r => r.Requests), (double)mine.Sum(r => r.Bytes) / Math.Max(1, mine.Sum(r => r.Requests)));
    }

    private static WrkRun Check(WrkRun run)
    {
        if (run.Requests == 0) throw new HttpBenchmarkException($"wrk completed no request on {run.Path}.");
        if (run.Errors > 0)
        {
            throw new HttpBenchmarkException(
                $"{run.Path}: {run.StatusErrors} response(s) with status ≥ 400, {run.Timeouts} timeout(s), {run.ConnectErrors + run.ReadErrors + run.WriteErrors} socket error(s) out of {run.Requests}: the figures would not be comparable.");
        }
        return run;
    }

    /// <summary>GET <paramref name="path"/> at tenant host <paramref name="host"/> (its Host header), asking for JSON: how the probes of the benches ask.</summary>
    internal static async Task<HttpResponseMessage> GetJsonAsync(HttpClient client, string path, string host, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return await client.SendAsync(request, cancellationToken);
    }

    /// <summary>Every tenant host on the tenant and shared paths, and the fixed path, must answer 200 with the same JSON (same rows, same bytes); returns that body.</summary>
    private static async Task<byte[]> ProbeAsync(int port, List<string> tenantHosts, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        async Task<byte[]> GetAsync(string path, string host)
        {
            using var response = await GetJsonAsync(client, path, host, cancellationToken);
            if ((int)response.StatusCode is < 200 or > 299)
            {
                throw new HttpBenchmarkException($"{path} on {host} answered {(int)response.StatusCode} {response.ReasonPhrase}: expected 200.");
            }
            return await response.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        var expected = await GetAsync(HttpBenchmarkEndpoints.FixedPath, tenantHosts[0]);
        if (expected.Length <= 2) throw new HttpBenchmarkException("The fixed path answered no rows: the fixed schema was not seeded.");
        foreach (var host in tenantHosts)
        {
            foreach (var path in new[] { HttpBenchmarkEndpoints.TenantPath, HttpBenchmarkEndpoints.SharedPath })
            {
                var body = await GetAsync(path, host);
                if (!body.AsSpan().SequenceEqual(expected))
                {
                    throw new HttpBenchmarkException($"{path} on {host} answered other JSON than the fixed path ({body.Length} vs {expected.Length} bytes): not comparable.");
                }
            }
        }
        return expected;
    }
}
