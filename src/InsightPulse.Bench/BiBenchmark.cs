using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.ScoutData;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Options;

namespace InsightPulse.Bench;

/// <summary>
/// <c>bench bi</c>: guest tokens issued and verified per second on one thread, and chart-data latency through the BI
/// service (<see cref="ChartDataService"/>: as the BI role, in the tenant's read-only unit of work, under RLS) over
/// <c>scout.scout_transactions</c> with the generator's rows spread over many tenants, cold (the result cache off)
/// and cached, rotating over the tenants.
/// </summary>
public sealed class BiBenchmark(PlatformDatabases databases, ScoutSeeder seeder, TenantDataAccess access, TenantRegistry registry, BiWorkspaceInstaller installer, BiDatabases connections, TimeProvider clock)
{
    public sealed record Options(int Rows = 1_000_000, int Tenants = 100, int Iterations = 200, int Warmup = 20, double TokenSeconds = 3, long Seed = ScoutSeedOptions.DefaultSeed);

    /// <summary>The charts timed: the shapes of the Scout dashboard's over the fact table.</summary>
    private static readonly (string Name, ChartSpec Spec)[] Charts =
    [
        ("daily_sales_line", new ChartSpec { Viz = "line", TimeColumn = "timestamp", TimeGrain = "day", Metrics = [new ChartMetric { Aggregate = "sum", Column = "peso_value", Label = "Sales" }], RowLimit = 400 }),
        ("top_brands_bar", new ChartSpec { Viz = "bar", Groupby = ["brand_name"], Metrics = [new ChartMetric { Aggregate = "sum", Column = "peso_value", Label = "Sales" }], RowLimit = 12 }),
        ("region_category_stacked", new ChartSpec { Viz = "bar", Groupby = ["region", "product_category"], Stacked = true, Metrics = [new ChartMetric { Aggregate = "count", Label = "Transactions" }], RowLimit = 500 }),
        ("transactions_big_number", new ChartSpec { Viz = "big_number", Metrics = [new ChartMetric { Aggregate = "count", Label = "Transactions" }] }),
    ];

    public async Task<BiBenchmarkResult> RunAsync(Options options, Action<string>? onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tokens = MeasureTokens(options.TokenSeconds);
        onProgress?.Invoke($"guest tokens: {tokens:N0} issued and verified per second");

        var schema = await seeder.SchemaAsync(cancellationToken);
        if (!await HoldsGenerationAsync(schema, options, cancellationToken))
        {
            onProgress?.Invoke($"seeding {options.Rows:N0} rows for {options.Tenants} tenants…");
            await seeder.SeedAsync(new ScoutSeedOptions(options.Rows, options.Tenants, options.Seed), null, cancellationToken);
        }
        var scout = await registry.GetAsync(ScoutSeeder.ScoutTenant, cancellationToken);
        var columns = await installer.ColumnsAsync(scout, "schema", "scout_transactions", cancellationToken);
        // The generator's tenants are not registered: each is the scout tenant's store with another tenant context,
        // exactly what RLS keys on.
        var tenants = ScoutGenerator.TenantCodes(options.Tenants).Select(code => scout with { Code = code }).ToList();
        using var cold = new ChartDataService(access, connections, Microsoft.Extensions.Options.Options.Create(new BiOptions { CachedResults = 0 }), clock);
        using var cached = new ChartDataService(access, connections, Microsoft.Extensions.Options.Options.Create(new BiOptions()), clock);
        var results = new List<BiChartTiming>();
        foreach (var (name, spec) in Charts)
        {
            onProgress?.Invoke($"chart {name}…");
            var cold1 = new List<double>();
            var warm = new List<double>();
            for (var i = -options.Warmup; i < options.Iterations; i++)
            {
                var tenant = tenants[(i + options.Warmup) % tenants.Count];
                var dataset = new Dataset(1, Guid.Empty, tenant.Code, "scout_transactions", "schema", "scout_transactions", columns);
                var chart = new WorkspaceChart(1, Guid.Empty, 1, 1, name, name, spec.Viz, spec, null);
                var clock1 = Stopwatch.StartNew();
                var data = await cold.QueryAsync(tenant, chart, dataset, 300, [], null, "", cancellationToken);
                var coldMs = clock1.Elapsed.TotalMilliseconds;
                if (data.Rows.Count == 0) throw new InvalidOperationException($"Chart {name} returned no row for {tenant.Code}: the benchmark's data is missing.");
                await cached.QueryAsync(tenant, chart, dataset, 300, [], null, "", cancellationToken);
                var clock2 = Stopwatch.StartNew();
                var again = await cached.QueryAsync(tenant, chart, dataset, 300, [], null, "", cancellationToken);
                var cachedMs = clock2.Elapsed.TotalMilliseconds;
                if (!again.IsCached) throw new InvalidOperationException("The second read of a chart was not served from the cache.");
                if (i < 0) continue;
                cold1.Add(coldMs);
                warm.Add(cachedMs);
            }
            results.Add(new BiChartTiming(name, Percentile(cold1, 50), Percentile(cold1, 95), Percentile(warm, 50), Percentile(warm, 95)));
        }
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        var version = await connection.ExecuteScalarAsync<string>(new CommandDefinition("SHOW server_version", cancellationToken: cancellationToken));
        return new BiBenchmarkResult(tokens, options.Rows, options.Tenants, options.Iterations, results, version ?? "", Environment.ProcessorCount);
    }

    /// <summary>Issue then verify, one thread, for <paramref name="seconds"/>: the count per second.</summary>
    internal static double MeasureTokens(double seconds)
    {
        var tokens = new GuestTokens(new GuestTokenOptions { Secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)) }, TimeProvider.System);
        var user = new GuestTokenUser("viewer", "Vi", "Ewer");
        IReadOnlyList<GuestTokenResource> resources = [GuestTokenResource.Dashboard(Guid.NewGuid().ToString())];
        IReadOnlyList<GuestTokenRlsRule> rules = [new GuestTokenRlsRule("region = 'NCR'")];
        for (var i = 0; i < 2_000; i++) tokens.Validate(tokens.Issue(user, resources, rules)); // warm-up
        var count = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            for (var i = 0; i < 500; i++) tokens.Validate(tokens.Issue(user, resources, rules));
            count += 500;
        }
        return count / clock.Elapsed.TotalSeconds;
    }

    private async Task<bool> HoldsGenerationAsync(string schema, Options options, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        var (rows, tenants) = await connection.QuerySingleAsync<(long, long)>(new CommandDefinition(
            $"SELECT count(*), count(DISTINCT tenant_id) FROM {Sql.Identifier(schema)}.scout_transactions WHERE tenant_id LIKE 'retail\\_%'", cancellationToken: cancellationToken));
        return rows == options.Rows && tenants == options.Tenants;
    }

    /// <summary>Nearest-rank percentile, as <c>bench provision</c> computes it.</summary>
    private static double Percentile(List<double> values, int percentile) =>
        ProvisioningBenchmark.Stats.Percentile([.. values.Order()], percentile / 100.0);
}

public sealed record BiChartTiming(string Chart, double ColdP50Ms, double ColdP95Ms, double CachedP50Ms, double CachedP95Ms);

public sealed record BiBenchmarkResult(double TokensPerSecond, int Rows, int Tenants, int Iterations, IReadOnlyList<BiChartTiming> Charts, string ServerVersion, int Processors)
{
    public const double TokenGoal = 20_000;
    public const double ColdP95GoalMs = 150;
}
