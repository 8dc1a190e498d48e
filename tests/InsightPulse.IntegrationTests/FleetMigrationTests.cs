using Dapper;
using Npgsql;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.A)]
public sealed class FleetMigrationTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await connection.OpenAsync();
        await connection.ExecuteAsync(sql);
    }

    [Fact]
    public async Task Migrate_all_stops_at_the_first_failure_and_the_next_run_resumes_where_it_stopped()
    {
        await ExecuteAsync("DROP ROLE IF EXISTS fleet_stranger; CREATE ROLE fleet_stranger; ALTER SCHEMA scout OWNER TO fleet_stranger");

        var failed = await _platform.CliAsync("migrate", "--all", "--json");

        Assert.Equal(1, failed.ExitCode);
        var first = failed.Json();
        Assert.False(first.GetProperty("succeeded").GetBoolean());
        var tenants = first.GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!);
        Assert.True(tenants["platform"].GetProperty("succeeded").GetBoolean());
        Assert.False(tenants["scout"].GetProperty("succeeded").GetBoolean());
        Assert.Contains("belongs to fleet_stranger", tenants["scout"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(tenants.ContainsKey("tbwa"), failed.Output); // stopped at the first failure (sequence order: platform, scout, tbwa)

        await ExecuteAsync($"ALTER SCHEMA scout OWNER TO {postgres.Admin.Username}");
        var resumed = await _platform.CliAsync("migrate", "--all", "--json");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        var second = resumed.Json();
        Assert.True(second.GetProperty("resumed").GetBoolean());
        Assert.Equal(first.GetProperty("run_id").GetString(), second.GetProperty("run_id").GetString());
        var again = second.GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!);
        Assert.True(again["platform"].GetProperty("skipped").GetBoolean());
        Assert.True(again["scout"].GetProperty("succeeded").GetBoolean());
        Assert.True(again["tbwa"].GetProperty("succeeded").GetBoolean());
    }

    [Fact]
    public async Task Keep_going_migrates_the_others_past_a_failure()
    {
        await ExecuteAsync("DROP ROLE IF EXISTS fleet_stranger; CREATE ROLE fleet_stranger; ALTER SCHEMA scout OWNER TO fleet_stranger");

        var run = await _platform.CliAsync("migrate", "--all", "--keep-going", "--parallel", "2", "--json");

        Assert.Equal(1, run.ExitCode);
        var tenants = run.Json().GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!);
        Assert.Equal(3, tenants.Count);
        Assert.True(tenants["tbwa"].GetProperty("succeeded").GetBoolean());
        await ExecuteAsync($"ALTER SCHEMA scout OWNER TO {postgres.Admin.Username}");
    }

    [Fact]
    public async Task Migrate_of_an_up_to_date_tenant_changes_nothing_and_a_usage_error_exits_2()
    {
        var run = await _platform.CliAsync("migrate", "tbwa", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(run.Json().GetProperty("tenants")[0].GetProperty("changed").GetBoolean());
        Assert.Equal(2, (await _platform.CliAsync("migrate")).ExitCode);
        Assert.Equal(2, (await _platform.CliAsync("migrate", "tbwa", "--all")).ExitCode);
    }
}
