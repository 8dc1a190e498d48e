using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// The shared data database on a server of its own (<c>Platform:DataServer</c>): the platform database stays on the
/// lane's server (home), the data database and every tenant schema live on a second managed cluster added with
/// `server add`. Provisioning, the runtime path, RLS, lint, verify (HTTP gates included), status, doctor, archive and
/// restore follow it there.
/// </summary>
[Collection(Lanes.B)]
public sealed class DataServerTests(PostgresFixture postgres, SecondServer second) : IAsyncLifetime, IClassFixture<SecondServer>
{
    private const string Server = "data";
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        await second.Postgres.ResetAsync();
        _platform = await PlatformScope.CreateAsync(postgres, new Dictionary<string, string?> { ["Platform:DataServer"] = Server });
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    /// <summary>`up` stops at the data database until its server is in the fleet; `server add`, then `up` again.</summary>
    private async Task<CliRun> UpWithTheDataServerAsync()
    {
        var early = await _platform.CliAsync("up", "--no-serve", "--without-demo");
        Assert.True(early.ExitCode != 0, early.ToString());
        var added = await _platform.CliAsync("server", "add", Server, "--url", second.Postgres.Url("postgres"));
        Assert.True(added.ExitCode == 0, added.ToString());
        var up = await _platform.CliAsync("up", "--no-serve", "--without-demo");
        Assert.True(up.ExitCode == 0, up.ToString());
        return early;
    }


    private static Task<bool> SchemaExistsAsync(PostgresFixture server, string database, string schema) =>
        server.ScalarAsync<bool>(database, "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = @schema)", new { schema });

    [Fact]
    public async Task Up_makes_the_data_database_on_its_server_and_every_tenant_schema_lives_and_is_served_there()
    {
        var early = await UpWithTheDataServerAsync();
        Assert.Contains($"./ipai server add {Server} --url", early.Error, StringComparison.Ordinal);

        // Made by the platform's (non-superuser) owner there; only the platform's roles may connect.
        var data = PlatformOptions.DefaultRemoteDataDatabase;
        Assert.Equal("ipai_owner", await second.Postgres.ScalarAsync<string>("postgres", "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = @data", new { data }));
        Assert.False(await second.Postgres.ScalarAsync<bool>("postgres", "SELECT has_database_privilege('public', @data, 'CONNECT')", new { data }));
        Assert.True(await second.Postgres.ScalarAsync<bool>("postgres", "SELECT has_database_privilege('ipai_app', @data, 'CONNECT')", new { data }));
        foreach (var schema in new[] { "tbwa", "scout", "ipai" })
        {
            Assert.True(await SchemaExistsAsync(second.Postgres, data, schema), $"schema {schema} on the data server");
            Assert.False(await SchemaExistsAsync(postgres, postgres.AdminDatabase, schema), $"schema {schema} at home");
        }
        Assert.False(await second.Postgres.ScalarAsync<bool>("postgres", "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'odoo_platform')"));

        var again = await _platform.CliAsync("up", "--no-serve", "--without-demo");
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains($"{data} on server {Server}: ipai_owner can create schemas in it", again.Output + again.Error, StringComparison.Ordinal);

        // The runtime role reads a schema tenant's rows there, under the tenant's context, through the production path.
        var tbwa = await _platform.Registry.GetAsync("tbwa", CancellationToken.None);
        var seen = await _platform.Get<TenantDataAccess>().ReadAsync<long>(tbwa, TenantStore.Schema, "SELECT count(*) FROM bir_atc_code", null, CancellationToken.None);
        var stored = await second.Postgres.ScalarAsync<long>(data, "SELECT count(*) FROM tbwa.bir_atc_code WHERE tenant_id = 'tbwa'");
        Assert.True(stored > 0);
        Assert.Equal([stored], seen);
        Assert.True(await second.Postgres.ScalarAsync<long>("postgres", "SELECT count(*) FROM pg_stat_activity WHERE usename = 'ipai_app' AND datname = @data", new { data }) >= 1);

        // Every gate of both schema tenants passes (the HTTP gates through a web host the CLI starts), lint is clean, a full fleet pass succeeds.
        foreach (var code in new[] { "tbwa", "scout" })
        {
            var verify = await _platform.CliAsync("tenant", "verify", code, "--in-process", "--json");
            Assert.True(verify.ExitCode == 0, verify.ToString());
        }
        var lint = await _platform.CliAsync("lint");
        Assert.True(lint.ExitCode == 0, lint.ToString());
        var migrate = await _platform.CliAsync("migrate", "--all", "--full", "--json");
        Assert.True(migrate.ExitCode == 0, migrate.ToString());

        var status = await _platform.CliAsync("status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var dataRow = status.Json().GetProperty("databases").EnumerateArray().Single(d => d.GetProperty("role").GetString() == "data");
        Assert.Equal((data, Server, true), (dataRow.GetProperty("name").GetString(), dataRow.GetProperty("server").GetString(), dataRow.GetProperty("exists").GetBoolean()));
        var doctor = await _platform.CliAsync("doctor", "--json");
        var errors = doctor.Json().GetProperty("findings").EnumerateArray().Where(f => f.GetProperty("level").GetString() == "error").Select(f => f.GetProperty("message").GetString()).ToList();
        Assert.True(errors.Count == 0, string.Join("\n", errors));

        var remove = await _platform.CliAsync("server", "remove", Server);
        Assert.Equal(1, remove.ExitCode);
        Assert.Contains("holds the shared data database", remove.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_table_of_every_store_on_the_data_server_holds_the_runtime_roles_to_their_tenant()
    {
        await UpWithTheDataServerAsync();
        await IsolationMatrix.SetUpAsync(_platform);
        var matrix = new IsolationMatrix(_platform, new Dictionary<string, PostgresFixture> { [Server] = second.Postgres });
        var cases = (await matrix.CasesAsync()).Where(c => c.Store.Server == Server).ToList();
        // tbwa's and scout's databanks, and the second schema tenant's stores.
        Assert.Contains(cases, c => c.Store.Schema == "tbwa");
        Assert.Contains(cases, c => c.Store.Schema == "scout");
        var violations = new List<string>();
        foreach (var c in cases)
        {
            await matrix.SeedAsync(c);
            violations.AddRange(await matrix.CheckAsync(c));
        }
        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public async Task A_schema_tenant_is_archived_and_restored_on_the_data_server()
    {
        await UpWithTheDataServerAsync();
        var data = PlatformOptions.DefaultRemoteDataDatabase;
        var archives = Path.Combine(_platform.Home, "archives");
        var before = await second.Postgres.ScalarAsync<long>(data, "SELECT count(*) FROM tbwa.bir_atc_code");

        var deprovisioned = await _platform.CliAsync("tenant", "deprovision", "tbwa", "--archive-to", archives);
        Assert.True(deprovisioned.ExitCode == 0, deprovisioned.ToString());
        Assert.Contains($"schema tbwa on server {Server}", deprovisioned.Output + deprovisioned.Error, StringComparison.Ordinal);
        Assert.False(await SchemaExistsAsync(second.Postgres, data, "tbwa"));

        var restored = await _platform.CliAsync("tenant", "restore", "tbwa", "--from", Directory.GetDirectories(archives).Single());
        Assert.True(restored.ExitCode == 0, restored.ToString());
        Assert.True(await SchemaExistsAsync(second.Postgres, data, "tbwa"));
        Assert.False(await SchemaExistsAsync(postgres, postgres.AdminDatabase, "tbwa"));
        Assert.Equal(before, await second.Postgres.ScalarAsync<long>(data, "SELECT count(*) FROM tbwa.bir_atc_code"));
        var tbwa = await _platform.Registry.GetAsync("tbwa", CancellationToken.None);
        Assert.Equal(TenantState.Active, tbwa.State);
        Assert.Equal([before], await _platform.Get<TenantDataAccess>().ReadAsync<long>(tbwa, TenantStore.Schema, "SELECT count(*) FROM bir_atc_code", null, CancellationToken.None));
    }
}
