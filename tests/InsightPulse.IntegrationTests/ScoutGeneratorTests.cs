using Dapper;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.ScoutData;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary><c>databank seed scout</c>: deterministic rows, replaced on a re-run, each tenant's only through RLS.</summary>
[Collection(Lanes.C)]
public sealed class ScoutGeneratorTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync() => _platform = await ScoutScope.CreateAsync(postgres);

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private async Task<CliRun> SeedAsync(params string[] extra)
    {
        var run = await _platform.CliAsync(["databank", "seed", "scout", "--rows", "20000", "--tenants", "5", "--checksum", "--json", .. extra]);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    [Fact]
    public async Task The_rls_benchmark_compares_both_paths_and_leaves_no_copy_of_the_rows_behind()
    {
        var run = await _platform.CliAsync("bench", "rls", "--rows", "20000", "--tenants", "5", "--rounds", "1", "--iterations", "3", "--warmup", "1", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var queries = run.Json().GetProperty("queries").EnumerateArray().ToList();
        Assert.Equal(3, queries.Count);
        Assert.All(queries, q =>
        {
            Assert.True(q.GetProperty("median_ratio").GetDouble() > 0);
            Assert.Equal(3, q.GetProperty("rls").GetProperty("samples").GetInt32());
        });
        await using var owner = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await owner.OpenAsync();
        Assert.Equal(0, await owner.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_namespace WHERE nspname = 'scout_bench'"));
    }

    [Fact]
    public async Task A_copy_left_by_a_killed_rls_benchmark_is_unreadable_by_the_runtime_roles_and_flagged_by_the_lint()
    {
        string[] bench = ["bench", "rls", "--rows", "20000", "--tenants", "5", "--rounds", "1", "--iterations", "3", "--warmup", "1", "--json"];
        var killed = await CliProcess.RunAsync(_platform.Settings, new Dictionary<string, string> { [FaultInjection.Variable] = "bench_rls:copied" }, bench);
        Assert.Contains("fault injection: killing the process at bench_rls:copied", killed.Error, StringComparison.Ordinal);

        await using var owner = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await owner.OpenAsync();
        Assert.True(await owner.ExecuteScalarAsync<long>("SELECT count(*) FROM scout_bench.scout_transactions_norls") > 0);
        Assert.False(await owner.ExecuteScalarAsync<bool>("SELECT has_table_privilege('ipai_app', 'scout_bench.scout_transactions_norls', 'SELECT')"));
        Assert.False(await owner.ExecuteScalarAsync<bool>("SELECT has_table_privilege('ipai_bi', 'scout_bench.scout_transactions_norls', 'SELECT')"));
        var lint = await _platform.CliAsync("lint", "--json");
        var leftover = lint.Json().GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("lint").GetString() == "tenant_rows_outside_stores");
        Assert.Equal("WARN", leftover.GetProperty("level").GetString());
        Assert.Equal("scout_bench.scout_transactions_norls", leftover.GetProperty("object").GetString());

        // Readable by a runtime role, the same leftover is an error.
        await owner.ExecuteAsync("GRANT USAGE ON SCHEMA scout_bench TO ipai_app; GRANT SELECT ON scout_bench.scout_transactions_norls TO ipai_app");
        var readable = await _platform.CliAsync("lint", "--json");
        Assert.Equal(1, readable.ExitCode);
        Assert.Contains(readable.Json().GetProperty("findings").EnumerateArray(),
            f => f.GetProperty("lint").GetString() == "tenant_rows_outside_stores" && f.GetProperty("level").GetString() == "ERROR");

        // The next run finishes cleanly and takes the copy with it.
        var again = await _platform.CliAsync(bench);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.DoesNotContain((await _platform.CliAsync("lint", "--json")).Json().GetProperty("findings").EnumerateArray(),
            f => f.GetProperty("lint").GetString() == "tenant_rows_outside_stores");
    }

    [Fact]
    public async Task The_same_arguments_give_the_same_rows_and_a_re_run_replaces_them()
    {
        var first = (await SeedAsync()).Json();
        var second = (await SeedAsync()).Json();
        var other = (await SeedAsync("--seed", "7")).Json();

        Assert.Equal(20000, first.GetProperty("rows_written").GetInt64());
        Assert.Equal(0, first.GetProperty("rows_replaced").GetInt64());
        Assert.Equal(20000, second.GetProperty("rows_replaced").GetInt64());
        Assert.Equal(first.GetProperty("checksum").GetString(), second.GetProperty("checksum").GetString());
        Assert.NotEqual(first.GetProperty("checksum").GetString(), other.GetProperty("checksum").GetString());
        Assert.Equal("retail_005", first.GetProperty("last_tenant").GetString());

        await using var owner = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await owner.OpenAsync();
        Assert.Equal(20000, await owner.ExecuteScalarAsync<int>("SELECT count(*) FROM scout.scout_transactions"));
        // Realistic shape: Philippine regions, sari-sari stores first, pesos, a year of Manila time.
        var shape = await owner.QuerySingleAsync<(long Regions, string TopStoreType, decimal MinValue, DateTime First, DateTime Last)>("""
            SELECT (SELECT count(DISTINCT region) FROM scout.scout_transactions),
                   (SELECT store_type FROM scout.scout_transactions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1),
                   (SELECT min(peso_value) FROM scout.scout_transactions),
                   (SELECT min(timestamp AT TIME ZONE 'Asia/Manila') FROM scout.scout_transactions),
                   (SELECT max(timestamp AT TIME ZONE 'Asia/Manila') FROM scout.scout_transactions)
            """);
        Assert.InRange(shape.Regions, 3, 8);
        Assert.Equal("sari_sari", shape.TopStoreType);
        Assert.True(shape.MinValue > 0);
        Assert.Equal(2025, shape.First.Year);
        Assert.Equal(2025, shape.Last.Year);
    }

    [Fact]
    public async Task Each_tenant_sees_exactly_its_generated_rows_through_row_level_security()
    {
        await SeedAsync();
        var expected = ScoutGenerator.RowsPerTenant(new ScoutSeedOptions(20000, 5));
        const string app = "ipai_app", bi = "ipai_bi";
        for (var number = 1; number <= 5; number++)
        {
            var tenant = ScoutGenerator.TenantCode(number);
            foreach (var source in new[] { app, bi })
            {
                var seen = await ScoutScope.AsTenantAsync(_platform, source, tenant, async (c, t) =>
                    (await c.QueryAsync<(string Tenant, int Rows)>("SELECT tenant_id, count(*)::int FROM scout.scout_transactions GROUP BY tenant_id", transaction: t)).ToList());
                Assert.Equal([(tenant, expected[number - 1])], seen);
            }
        }
        Assert.Equal(0, await ScoutScope.AsTenantAsync(_platform, app, null, (c, t) => c.ExecuteScalarAsync<int>("SELECT count(*) FROM scout.scout_transactions", transaction: t)));
    }

    [Fact]
    public async Task A_registered_tenant_code_is_refused_and_bad_arguments_are_usage_errors()
    {
        var create = await _platform.CliAsync("tenant", "create", "retail_002", "--name", "A real retail client", "--industry", "retail");
        Assert.True(create.ExitCode == 0, create.ToString());

        var refused = await _platform.CliAsync("databank", "seed", "scout", "--rows", "100", "--tenants", "3");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("retail_002 is a registered tenant", refused.Error, StringComparison.Ordinal);

        Assert.Equal(2, (await _platform.CliAsync("databank", "seed", "tbwa", "--rows", "100")).ExitCode);
        Assert.Equal(2, (await _platform.CliAsync("databank", "seed", "scout", "--tenants", "0")).ExitCode);
    }
}
