using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// A fleet across two PostgreSQL servers: the lane's (home: the platform, the shared data database, the seed tenants)
/// and a second managed cluster on another loopback port, added with `server add`. Tenants placed there are
/// provisioned, read, linted, migrated, archived and restored there.
/// </summary>
[Collection(Lanes.A)]
public sealed class FleetServerTests(PostgresFixture postgres, SecondServer second) : IAsyncLifetime, IClassFixture<SecondServer>
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        await second.Postgres.ResetAsync();
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private string SecondUrl => second.Postgres.Url("postgres");

    private async Task AddSecondAsync()
    {
        var added = await _platform.CliAsync("server", "add", "pg2", "--url", SecondUrl);
        Assert.True(added.ExitCode == 0, added.ToString());
    }


    private static Task<bool> DatabaseExistsAsync(PostgresFixture server, string database) =>
        server.ScalarAsync<bool>(server.AdminDatabase, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = @database)", new { database });

    [Fact]
    public async Task A_tenant_placed_on_the_second_server_lives_there_and_every_fleet_operation_follows_it()
    {
        await AddSecondAsync();
        var listed = await _platform.CliAsync("server", "list", "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        var servers = listed.Json().EnumerateArray().ToDictionary(s => s.GetProperty("server").GetProperty("name").GetString()!);
        Assert.Equal(["home", "pg2"], servers.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(3, servers["home"].GetProperty("tenants").GetInt32());
        Assert.Equal(0, servers["pg2"].GetProperty("tenants").GetInt32());
        Assert.Equal(second.Postgres.Server.Port, servers["pg2"].GetProperty("server").GetProperty("port").GetInt32());

        Assert.Equal(0, (await _platform.CliAsync("tenant", "create", "acme", "--name", "Acme", "--server", "pg2")).ExitCode);
        var provisioned = await _platform.CliAsync("tenant", "provision", "acme", "--no-verify");
        Assert.True(provisioned.ExitCode == 0, provisioned.ToString());

        // Its database is on the second server only, owned by the platform's (non-superuser) owner there; its schema is at home.
        Assert.True(await DatabaseExistsAsync(second.Postgres, "odoo_acme"));
        Assert.False(await DatabaseExistsAsync(postgres, "odoo_acme"));
        Assert.Equal("ipai_owner", await second.Postgres.ScalarAsync<string>("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'odoo_acme'"));
        Assert.False(await second.Postgres.ScalarAsync<bool>("postgres", "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'ipai_owner'"));
        Assert.True(await postgres.ScalarAsync<bool>("postgres", "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'acme')"));
        // Built from a template of its own server (PostgreSQL copies a database within one server only).
        Assert.True(await second.Postgres.ScalarAsync<bool>("postgres", "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname LIKE 'ipai_template_%' AND datistemplate)"));

        // The runtime role reads it there, under the tenant's context, through the production path.
        var tenant = await _platform.Registry.GetAsync("acme", CancellationToken.None);
        Assert.Equal("pg2", tenant.Server);
        var logins = await _platform.Get<TenantDataAccess>().ReadAsync<string>(tenant, TenantStore.Database, "SELECT login FROM res_users", null, CancellationToken.None);
        Assert.Equal(["admin"], logins);
        Assert.Equal(1L, await second.Postgres.ScalarAsync<long>("postgres",
            "SELECT count(*) FROM pg_stat_activity WHERE usename = 'ipai_app' AND datname = 'odoo_acme'"));

        // Lint, verify, migrate and the listings follow the tenant to its server.
        var lint = await _platform.CliAsync("lint", "--tenant", "acme");
        Assert.True(lint.ExitCode == 0, lint.ToString());
        var migrate = await _platform.CliAsync("migrate", "--all", "--full", "--json");
        Assert.True(migrate.ExitCode == 0, migrate.ToString());
        var list = await _platform.CliAsync("tenant", "list", "--server", "pg2", "--json");
        Assert.Equal(["acme"], list.Json().EnumerateArray().Select(t => t.GetProperty("code").GetString()));
        var status = await _platform.CliAsync("status", "--json");
        Assert.Equal(1, status.Json().GetProperty("tenants_by_server").GetProperty("pg2").GetInt32());
        var doctor = await _platform.CliAsync("doctor", "--json");
        Assert.DoesNotContain("odoo_acme", doctor.Json().GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("level").GetString() == "error").Select(f => f.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task A_tenant_on_the_second_server_is_archived_and_restored_there()
    {
        await AddSecondAsync();
        Assert.Equal(0, (await _platform.CliAsync("tenant", "create", "acme", "--name", "Acme", "--server", "pg2")).ExitCode);
        Assert.Equal(0, (await _platform.CliAsync("tenant", "provision", "acme", "--no-verify")).ExitCode);
        var archives = Path.Combine(_platform.Home, "archives");

        var deprovisioned = await _platform.CliAsync("tenant", "deprovision", "acme", "--archive-to", archives);
        Assert.True(deprovisioned.ExitCode == 0, deprovisioned.ToString());
        Assert.False(await DatabaseExistsAsync(second.Postgres, "odoo_acme"));

        var archive = Directory.GetDirectories(archives).Single();
        var restored = await _platform.CliAsync("tenant", "restore", "acme", "--from", archive);
        Assert.True(restored.ExitCode == 0, restored.ToString());
        Assert.True(await DatabaseExistsAsync(second.Postgres, "odoo_acme"));
        Assert.False(await DatabaseExistsAsync(postgres, "odoo_acme"));
        var tenant = await _platform.Registry.GetAsync("acme", CancellationToken.None);
        Assert.Equal(TenantState.Active, tenant.State);
        Assert.Equal(["admin"], await _platform.Get<TenantDataAccess>().ReadAsync<string>(tenant, TenantStore.Database, "SELECT login FROM res_users", null, CancellationToken.None));
    }

    [Fact]
    public async Task New_tenants_go_to_the_least_loaded_active_server_and_never_to_a_draining_one()
    {
        await AddSecondAsync();
        // Home holds the three seed tenants, pg2 none: the next draft is placed on pg2 when its first run starts.
        Assert.Equal(0, (await _platform.CliAsync("tenant", "create", "beta", "--name", "Beta")).ExitCode);
        Assert.Null((await _platform.Registry.GetAsync("beta", CancellationToken.None)).Server);
        var run = await _platform.CliAsync("tenant", "provision", "beta", "--no-verify");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("placed on server pg2", run.Error + run.Output, StringComparison.Ordinal);
        Assert.Equal("pg2", (await _platform.Registry.GetAsync("beta", CancellationToken.None)).Server);

        Assert.Equal(0, (await _platform.CliAsync("server", "drain", "pg2")).ExitCode);
        var refused = await _platform.CliAsync("tenant", "create", "gamma", "--name", "Gamma", "--server", "pg2");
        // The --server given is refused as a field of the tenant (a validation error): a usage error, exit 2.
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("server pg2 is draining", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, (await _platform.CliAsync("tenant", "create", "gamma", "--name", "Gamma")).ExitCode);
        Assert.Equal(0, (await _platform.CliAsync("tenant", "provision", "gamma", "--no-verify")).ExitCode);
        Assert.Equal(FleetServer.Home, (await _platform.Registry.GetAsync("gamma", CancellationToken.None)).Server);
        Assert.True(await DatabaseExistsAsync(postgres, "odoo_gamma"));

        // A placed tenant keeps its server: only a move changes it.
        var moved = await _platform.CliAsync("tenant", "update", "beta", "--server", "home");
        Assert.Equal(2, moved.ExitCode); // a field refused by validation, as above
        Assert.Contains("tenant move", moved.Error, StringComparison.Ordinal);
        // Schema tenants keep their rows in the platform database, at home.
        var schemaTenant = await _platform.CliAsync("tenant", "create", "delta", "--name", "Delta", "--db-name", "odoo_platform", "--server", "pg2");
        Assert.Equal(2, schemaTenant.ExitCode);
        Assert.Contains("home server", schemaTenant.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_add_refuses_a_platform_home_a_second_address_for_a_name_and_bad_names_and_is_idempotent()
    {
        var home = await _platform.CliAsync("server", "add", "again", "--url", postgres.Url("postgres"));
        Assert.Equal(1, home.ExitCode);
        Assert.Contains("holds a platform database", home.Error, StringComparison.Ordinal);

        await AddSecondAsync();
        var twice = await _platform.CliAsync("server", "add", "pg2", "--url", SecondUrl);
        Assert.True(twice.ExitCode == 0, twice.ToString());
        Assert.Contains("nothing to do", twice.Error, StringComparison.Ordinal);
        var otherAddress = await _platform.CliAsync("server", "add", "pg2", "--url", $"postgres://x:y@127.0.0.1:{second.Postgres.Server.Port + 1}/postgres");
        Assert.Equal(1, otherAddress.ExitCode);
        Assert.Contains("in the fleet already", otherAddress.Error, StringComparison.Ordinal);
        var badName = await _platform.CliAsync("server", "add", "Bad-Name", "--url", SecondUrl);
        Assert.Equal(2, badName.ExitCode);
        Assert.Contains("is not a server name", badName.Error, StringComparison.Ordinal);
        var noUrl = await _platform.CliAsync("server", "add", "pg3");
        Assert.Equal(2, noUrl.ExitCode);

        // The admin URL is used once and never kept: no password of it in the registry or the secrets.
        var stored = await postgres.ScalarAsync<string>("odoo_platform", "SELECT string_agg(to_jsonb(s)::text, ' ') FROM ipai_server s");
        Assert.DoesNotContain(second.Postgres.Admin.Password, stored, StringComparison.Ordinal);
        foreach (var file in Directory.GetFiles(Path.Combine(_platform.Home, "secrets")))
        {
            Assert.DoesNotContain(second.Postgres.Admin.Password, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        }
    }
}
