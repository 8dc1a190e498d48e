using InsightPulse.Bench;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.ManagedPostgres;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace InsightPulse.Web.Tests;

/// <summary><c>bench http</c> run tiny against the test server: wrk on the three paths, 2xx only, figures positive, bench tenants gone afterwards.</summary>
[Collection(Lanes.Http)]
public sealed class HttpBenchmarkTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _scope = null!;

    public async Task InitializeAsync()
    {
        _scope = await PlatformScope.CreateAsync(postgres);
        Assert.DoesNotContain(await _scope.UpAndProvisionAsync(), s => s.Failed);
    }

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    [Fact]
    public async Task A_tiny_run_serves_the_three_paths_with_2xx_only_and_drops_its_tenants()
    {
        Assert.True(File.Exists("/usr/bin/wrk") || File.Exists("/usr/local/bin/wrk"),
            "wrk is not installed: run `scripts/ensure-deps.sh wrk` as root (make test does).");
        await using var services = _scope.NewServices();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(_scope.Settings).Build();
        var tenants = ActivatorUtilities.CreateInstance<HttpBenchmarkTenants>(services);
        var benchmark = ActivatorUtilities.CreateInstance<HttpBenchmark>(services, tenants, configuration);

        // As if bench_http_0001's back end had signed in as its BI service account: the password goes with the tenant.
        var serviceSecret = BiServiceAccount.SecretName(HttpBenchmarkTenants.Code(1));
        var secrets = new SecretStore(Path.Combine(_scope.Home, "secrets"));
        secrets.GetOrCreate(serviceSecret);

        var result = await benchmark.RunAsync(new HttpBenchmark.Options(Tenants: 3, DurationSeconds: 1, Connections: 4, Threads: 1, Rounds: 1, WarmupSeconds: 0),
            null, CancellationToken.None);

        Assert.Equal(3, result.Tenants);
        Assert.True(result.ResponseBodyBytes > 1000, $"response of {result.ResponseBodyBytes} bytes: rows missing");
        foreach (var path in new[] { result.Tenant, result.Shared, result.Fixed })
        {
            Assert.True(path.Requests > 0, $"{path.Path}: no request completed");
            Assert.True(path.RequestsPerSecond.Median > 0 && path.P50Ms.Median > 0 && path.P99Ms.Median >= path.P50Ms.Median, $"{path.Path}: figures not positive");
            // The host measured its own time for the requests of the run (the hosting layer's metric, by route).
            Assert.True(path.HostP99Ms.Median > 0, $"{path.Path}: the host recorded no request");
        }
        Assert.Equal(result.Tenant.BytesPerResponse, result.Fixed.BytesPerResponse, 0.01 * result.Fixed.BytesPerResponse);
        Assert.Equal(result.Tenant.BytesPerResponse, result.Shared.BytesPerResponse, 0.01 * result.Shared.BytesPerResponse);
        Assert.Equal(3, result.Runs.Count);
        Assert.True(result.Throughput.Median > 0 && result.P99.Median > 0 && result.FixedThroughput.Median > 0 && result.FixedP99.Median > 0);
        Assert.Equal((0, false), await tenants.CountAsync(CancellationToken.None));
        Assert.False(secrets.Exists(serviceSecret), "the dropped tenant's BI service password was left behind");
    }

    [Fact]
    public void The_runner_reads_the_figures_the_script_prints()
    {
        var run = WrkRunner.Parse("/p", """{"requests":1200,"duration_us":2000000,"bytes":120000,"connect":0,"read":0,"write":0,"status":3,"timeout":0,"p50_us":1500,"p90_us":2500,"p99_us":9000,"mean_us":1700.5,"max_us":12000}""");
        Assert.Equal(600, run.RequestsPerSecond, 3);
        Assert.Equal(1.5, run.P50Ms, 6);
        Assert.Equal(9.0, run.P99Ms, 6);
        Assert.Equal(3, run.Errors);
        Assert.Equal(100, run.BytesPerResponse, 6);
    }
}
