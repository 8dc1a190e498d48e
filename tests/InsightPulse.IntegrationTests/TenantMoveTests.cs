using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Provisioning;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// `tenant move` between the lane's server (home) and a second managed cluster: the copy is verified and served from
/// the target, the old copy kept until --purge, and a move killed at any of its points leaves the tenant served from
/// exactly one place and finishes when run again.
/// </summary>
[Collection(Lanes.A)]
public sealed class TenantMoveTests(PostgresFixture postgres, SecondServer second) : IAsyncLifetime, IClassFixture<SecondServer>
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        await second.Postgres.ResetAsync();
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
        var added = await _platform.CliAsync("server", "add", "pg2", "--url", second.Postgres.Url("postgres"));
        Assert.True(added.ExitCode == 0, added.ToString());
        // Rows of its own in the tenant database beyond the admin: users written as the owner in the tenant's context.
        await using var connection = new NpgsqlConnection(postgres.OwnerConnectionString("odoo_tbwa"));
        await connection.OpenAsync();
        await connection.ExecuteAsync("""
            BEGIN;
            SELECT set_config('app.tenant_id', 'tbwa', true);
            INSERT INTO res_users (login, name, password_hash, active, is_admin)
            SELECT 'user' || g, 'User ' || g, NULL, true, false FROM generate_series(1, 500) g;
            COMMIT;
            """);
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private PostgresFixture ServerNamed(string name) => name == FleetServer.Home ? postgres : second.Postgres;

    private static async Task<IReadOnlyList<string>> DatabasesAsync(PostgresFixture server)
    {
        await using var connection = await Open(server);
        return (await connection.QueryAsync<string>("SELECT datname FROM pg_database WHERE datname LIKE '%odoo_tbwa' ORDER BY datname")).ToList();
    }

    private static async Task<NpgsqlConnection> Open(PostgresFixture server)
    {
        var connection = new NpgsqlConnection(server.ConnectionString(server.AdminDatabase));
        await connection.OpenAsync();
        return connection;
    }

    private async Task<string> ServerOfTbwaAsync() => (await _platform.Registry.GetAsync("tbwa", CancellationToken.None)).DatabaseServer;

    private async Task<long> UsersSeenAsync()
    {
        // A fresh set of services: the route a new node would take, through the production path.
        await using var services = _platform.NewServices();
        var tenant = await services.GetRequiredService<Core.Tenants.TenantRegistry>().GetAsync("tbwa", CancellationToken.None);
        var rows = await services.GetRequiredService<TenantDataAccess>().ReadAsync<long>(tenant, TenantStore.Database, "SELECT count(*) FROM res_users", null, CancellationToken.None);
        return rows.Single();
    }

    [Fact]
    public async Task A_tenant_moves_to_the_second_server_and_back_verified_each_way_and_purge_drops_the_old_copies()
    {
        var moved = await _platform.CliAsync("tenant", "move", "tbwa", "--to", "pg2", "--json");

        Assert.True(moved.ExitCode == 0, moved.ToString());
        var move = moved.Json().GetProperty("move");
        Assert.Equal("home", move.GetProperty("from").GetString());
        Assert.True(move.GetProperty("rows").GetInt64() >= 501);
        var unavailable = move.GetProperty("unavailable_seconds").GetDouble();
        Assert.InRange(unavailable, 0.0001, move.GetProperty("elapsed_seconds").GetDouble());
        Assert.Equal("pg2", await ServerOfTbwaAsync());
        Assert.Equal(["odoo_tbwa"], await DatabasesAsync(second.Postgres));
        var oldCopy = move.GetProperty("old_copy").GetString()!;
        Assert.Equal([oldCopy], await DatabasesAsync(postgres));
        Assert.Equal(501, await UsersSeenAsync());
        // The old copy is closed to the runtime roles.
        await using (var home = await Open(postgres))
        {
            Assert.False(await home.ExecuteScalarAsync<bool>("SELECT has_database_privilege('ipai_app', @oldCopy, 'CONNECT')", new { oldCopy }));
        }
        var lint = await _platform.CliAsync("lint", "--tenant", "tbwa");
        Assert.True(lint.ExitCode == 0, lint.ToString());

        var back = await _platform.CliAsync("tenant", "move", "tbwa", "--to", "home", "--purge", "--json");
        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal("home", await ServerOfTbwaAsync());
        Assert.Equal(["odoo_tbwa"], await DatabasesAsync(postgres));
        Assert.Empty(await DatabasesAsync(second.Postgres));
        Assert.Equal(2, back.Json().GetProperty("purged").GetArrayLength());
        Assert.Equal(501, await UsersSeenAsync());

        var again = await _platform.CliAsync("tenant", "move", "tbwa", "--to", "home");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("on server home already", again.Error, StringComparison.Ordinal);
        var schemaTenant = await _platform.CliAsync("tenant", "move", "scout", "--to", "pg2");
        Assert.Equal(1, schemaTenant.ExitCode);
        Assert.Contains("no database of its own", schemaTenant.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_move_killed_at_any_point_leaves_the_tenant_in_one_place_and_finishes_when_run_again()
    {
        foreach (var point in FaultInjection.MovePoints)
        {
            var from = await ServerOfTbwaAsync();
            var to = from == FleetServer.Home ? "pg2" : FleetServer.Home;

            var killed = await CliProcess.RunAsync(_platform.Settings, new Dictionary<string, string> { [FaultInjection.Variable] = point }, "tenant", "move", "tbwa", "--to", to);

            Assert.True(killed.ExitCode != 0, $"{point}: {killed}");
            Assert.Contains($"killing the process at {point}", killed.Error, StringComparison.Ordinal);
            // Served from exactly one place: the server the registry names holds the live database.
            var servedFrom = await ServerOfTbwaAsync();
            Assert.Contains("odoo_tbwa", await DatabasesAsync(ServerNamed(servedFrom)));
            var switched = FaultInjection.MovePoints.ToList().IndexOf(point) >= FaultInjection.MovePoints.ToList().IndexOf("move:switched");
            Assert.Equal(switched ? to : from, servedFrom);

            var finished = await _platform.CliAsync("tenant", "move", "tbwa", "--to", to, "--json");
            Assert.True(finished.ExitCode == 0, $"{point}: {finished}");
            Assert.True(finished.Json().GetProperty("move").GetProperty("resumed").GetBoolean(), point);
            Assert.Equal(to, await ServerOfTbwaAsync());
            Assert.Equal(["odoo_tbwa"], (await DatabasesAsync(ServerNamed(to))).Where(d => d == "odoo_tbwa"));
            Assert.DoesNotContain("odoo_tbwa", await DatabasesAsync(ServerNamed(from)));
            Assert.Equal(501, await UsersSeenAsync());
        }
        var purged = await _platform.CliAsync("tenant", "move", "tbwa", "--purge", "--json");
        Assert.Equal(FaultInjection.MovePoints.Count, purged.Json().GetProperty("purged").GetArrayLength());
        Assert.Equal(["odoo_tbwa"], (await DatabasesAsync(postgres)).Concat(await DatabasesAsync(second.Postgres)));
    }
}
