using Dapper;
using Npgsql;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The fleet benchmarks run tiny through the CLI against the test server: `bench budget` (HTTP over tenant databases
/// under a budget: no error, sessions never past the budget), `bench move` (a second server for the run, gone after
/// it), `bench migrate --new-script` (one new script applied to the fleet, then the fleet set back as it was).
/// </summary>
[Collection(Lanes.Http)]
public sealed class FleetBenchmarkTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _scope = null!;

    public async Task InitializeAsync()
    {
        _scope = await PlatformScope.CreateAsync(postgres);
        Assert.DoesNotContain(await _scope.UpAndProvisionAsync(), s => s.Failed);
    }

    public async Task DisposeAsync() => await _scope.DisposeAsync();

    private async Task<T> ScalarAsync<T>(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return (await connection.ExecuteScalarAsync<T>(sql))!;
    }

    [Fact]
    public async Task Bench_budget_serves_every_tenant_database_without_error_and_never_past_the_budget()
    {
        Assert.True(File.Exists("/usr/bin/wrk") || File.Exists("/usr/local/bin/wrk"), "wrk is not installed: run `scripts/ensure-deps.sh wrk` as root (make test does).");

        var run = await _scope.CliAsync("bench", "budget", "--tenants", "6", "--budget", "2", "--duration", "2", "--connections", "8", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = run.Json();
        Assert.Equal(0, result.GetProperty("errors").GetInt64());
        Assert.True(result.GetProperty("requests").GetInt64() > 0);
        // The budget's own count is exact. pg_stat_activity's count is reported (and bounded in ConnectionBudgetTests, on
        // sessions of its own): on a machine this busy it also lists backends of sessions closed a moment ago, still exiting.
        Assert.InRange(result.GetProperty("home_budget").GetProperty("peak").GetInt32(), 1, 2);
        Assert.True(result.GetProperty("peak_sessions").GetInt32() >= 1);
        Assert.Equal(0, await ScalarAsync<long>("odoo_platform", "SELECT count(*) FROM ipai_tenant WHERE code LIKE 'bench_db_%'"));
    }

    [Fact]
    public async Task Bench_move_moves_a_tenant_to_a_second_server_and_leaves_neither_behind()
    {
        var run = await _scope.CliAsync("bench", "move", "--rows", "2000", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = run.Json();
        Assert.True(result.GetProperty("rows_verified").GetInt64() >= 2001);
        Assert.InRange(result.GetProperty("unavailable_seconds").GetDouble(), 0.001, result.GetProperty("move_seconds").GetDouble());
        Assert.Equal(0, await ScalarAsync<long>("odoo_platform", "SELECT count(*) FROM ipai_tenant WHERE code = 'bench_move'"));
        Assert.Equal(0, await ScalarAsync<long>("odoo_platform", "SELECT count(*) FROM ipai_server WHERE name <> 'home'"));
        Assert.Equal(0, await ScalarAsync<long>("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%bench_move%'"));
    }

    [Fact]
    public async Task Bench_migrate_new_script_applies_one_script_to_the_fleet_then_sets_the_fleet_back()
    {
        var run = await _scope.CliAsync("bench", "migrate", "--tenants", "2", "--new-script", "--parallel", "2", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var passes = run.Json().GetProperty("passes").EnumerateArray().ToList();
        var newScript = passes.Where(p => p.GetProperty("name").GetString()!.StartsWith("one new script", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, newScript.Count); // --parallel 1 and 2
        Assert.All(newScript, p => Assert.Equal((5, 0, 5, 0),
            (p.GetProperty("tenants").GetInt32(), p.GetProperty("current").GetInt32(), p.GetProperty("ran").GetInt32(), p.GetProperty("failed").GetInt32())));
        // Set back: no column, no journal row, and every tenant current for this build.
        Assert.False(await ScalarAsync<bool>("postgres", "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE column_name = 'bench_note')"));
        var after = await _scope.CliAsync("migrate", "--all", "--json");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.All(after.Json().GetProperty("tenants").EnumerateArray(), t => Assert.True(t.GetProperty("current").GetBoolean(), t.ToString()));
    }
}
