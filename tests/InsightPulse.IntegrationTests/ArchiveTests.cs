using Dapper;
using InsightPulse.Core.Provisioning;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>`tenant deprovision --archive-to` and `tenant restore`: a round trip brings back every row, unchanged.</summary>
[Collection(Lanes.C)]
public sealed class ArchiveTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;
    private readonly string _archives = PostgresFixture.NewTempFolder("ipai-test-archives");

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
    }

    public async Task DisposeAsync()
    {
        await _platform.DisposeAsync();
        Directory.Delete(_archives, recursive: true);
    }

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>Every row of the tenant's tables, as text, sorted: what must survive the round trip.</summary>
    private async Task<List<string>> SnapshotAsync(string database, string sql)
    {
        await using var connection = await OpenAsync(database);
        return (await connection.QueryAsync<string>(sql)).ToList();
    }

    private const string TbwaRows = """
        SELECT 'agency ' || t::text FROM tbwa.ppm_agency t
        UNION ALL SELECT 'project ' || t::text FROM tbwa.ppm_project t
        UNION ALL SELECT 'atc ' || t::text FROM tbwa.bir_atc_code t
        ORDER BY 1
        """;

    [Fact]
    public async Task A_full_tenant_comes_back_from_its_archive_with_identical_rows()
    {
        await using (var data = await OpenAsync("postgres"))
        {
            await data.ExecuteAsync("""
                BEGIN;
                SELECT set_config('app.tenant_id', 'tbwa', true);
                INSERT INTO tbwa.ppm_agency (code, name, tin) VALUES ('TBWA', 'TBWA Santiago Mangada Puno', '004-512-377-000');
                INSERT INTO tbwa.ppm_project (agency_id, code, name, budget_amount) SELECT id, 'P-001', 'Brand refresh ''26', 1250000.50 FROM tbwa.ppm_agency;
                COMMIT;
                """);
        }
        var before = await SnapshotAsync("postgres", TbwaRows);
        var usersBefore = await SnapshotAsync("odoo_tbwa", "SELECT t::text FROM res_users t ORDER BY 1");

        // A superuser's session on the tenant's database (a DBA's psql) is not the owner's to end: named, nothing dropped.
        await using (var dba = await OpenAsync("odoo_tbwa"))
        {
            var held = await _platform.CliAsync("tenant", "deprovision", "tbwa", "--archive-to", _archives, "--json");
            Assert.Equal(1, held.ExitCode);
            Assert.Contains($"odoo_tbwa on home still has 1 session(s) the platform's owner may not end: pid {dba.ProcessID} of {postgres.Admin.Username} (ipai-tests)", held.Error, StringComparison.Ordinal);
            Assert.Contains("then run `./ipai tenant deprovision tbwa` again", held.Error, StringComparison.Ordinal);
            Assert.Equal(usersBefore, await SnapshotAsync("odoo_tbwa", "SELECT t::text FROM res_users t ORDER BY 1"));
            Assert.Equal("active", (await _platform.CliAsync("tenant", "show", "tbwa", "--json")).Json().GetProperty("state").GetString());
            Assert.Empty(Directory.Exists(_archives) ? Directory.GetFileSystemEntries(_archives) : []);
        }
        NpgsqlConnection.ClearAllPools(); // the snapshots' idle sessions were superuser sessions too

        var gone = await _platform.CliAsync("tenant", "deprovision", "tbwa", "--archive-to", _archives, "--json");

        Assert.True(gone.ExitCode == 0, gone.ToString());
        var archive = gone.Json().GetProperty("archive").GetString()!;
        Assert.Equal("archived", (await _platform.CliAsync("tenant", "show", "tbwa", "--json")).Json().GetProperty("state").GetString());
        await using (var data = await OpenAsync("postgres"))
        {
            Assert.Equal(0, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_database WHERE datname = 'odoo_tbwa'"));
            Assert.Equal(0, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_namespace WHERE nspname = 'tbwa'"));
        }
        var manifest = TenantArchiveManifest.Read(archive);
        Assert.Equal(["database", "schema"], manifest.Parts.Select(p => p.Kind));
        Assert.Equal(1, manifest.Parts.Single(p => p.Kind == "schema").Tables.Single(t => t.Table == "tbwa.ppm_project").Rows);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(archive, "database.dump")));

        var back = await _platform.CliAsync("tenant", "restore", "tbwa", "--from", archive, "--json");

        Assert.True(back.ExitCode == 0, back.ToString());
        NpgsqlConnection.ClearAllPools(); // our idle connections to odoo_tbwa died with the dropped database
        Assert.Equal("active", (await _platform.CliAsync("tenant", "show", "tbwa", "--json")).Json().GetProperty("state").GetString());
        Assert.Equal(before, await SnapshotAsync("postgres", TbwaRows));
        Assert.Equal(usersBefore, await SnapshotAsync("odoo_tbwa", "SELECT t::text FROM res_users t ORDER BY 1"));
        var again = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json");
        Assert.False(again.Json().GetProperty("changed").GetBoolean(), again.Output);

        // Each move of the lifecycle committed its schema_changed event with it, in order.
        await using var platform = await OpenAsync("odoo_platform");
        Assert.Equal(["tenant_provisioned", "tenant_archived", "tenant_restored"], await platform.QueryAsync<string>(
            "SELECT change FROM ipai_schema_event WHERE tenant_code = 'tbwa' AND store IS NULL ORDER BY id"));
    }

    [Fact]
    public async Task A_tenant_sharing_the_platform_database_keeps_its_rows_there_and_other_tenants_keep_theirs()
    {
        const string ScoutRows = "SELECT t::text FROM res_users t WHERE tenant_id = 'scout' UNION ALL SELECT t::text FROM ir_module_module t WHERE tenant_id = 'scout' ORDER BY 1";
        const string PlatformRows = "SELECT t::text FROM res_users t WHERE tenant_id = 'platform' ORDER BY 1";
        var scoutBefore = await SnapshotAsync("odoo_platform", ScoutRows);
        var platformBefore = await SnapshotAsync("odoo_platform", PlatformRows);
        Assert.NotEmpty(scoutBefore);

        var gone = await _platform.CliAsync("tenant", "deprovision", "scout", "--archive-to", _archives, "--json");
        Assert.True(gone.ExitCode == 0, gone.ToString());
        Assert.Empty(await SnapshotAsync("odoo_platform", ScoutRows));
        Assert.Equal(platformBefore, await SnapshotAsync("odoo_platform", PlatformRows));

        var back = await _platform.CliAsync("tenant", "restore", "scout", "--from", gone.Json().GetProperty("archive").GetString()!);

        Assert.True(back.ExitCode == 0, back.ToString());
        Assert.Equal(scoutBefore, await SnapshotAsync("odoo_platform", ScoutRows));
        Assert.Equal(platformBefore, await SnapshotAsync("odoo_platform", PlatformRows));
    }

    [Fact]
    public async Task A_damaged_archive_is_refused_before_anything_is_restored()
    {
        var gone = await _platform.CliAsync("tenant", "deprovision", "tbwa", "--archive-to", _archives, "--json");
        var archive = gone.Json().GetProperty("archive").GetString()!;
        var dump = Path.Combine(archive, "schema.dump");
        var bytes = await File.ReadAllBytesAsync(dump);
        bytes[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(dump, bytes);

        var back = await _platform.CliAsync("tenant", "restore", "tbwa", "--from", archive);

        // A damaged archive is input that is not valid: a usage error naming --from.
        Assert.Equal(2, back.ExitCode);
        Assert.Contains("--from", back.Error, StringComparison.Ordinal);
        Assert.Contains("schema.dump", back.Error, StringComparison.Ordinal);
        Assert.Contains("damaged", back.Error, StringComparison.Ordinal);
        await using var data = await OpenAsync("postgres");
        Assert.Equal(0, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_database WHERE datname = 'odoo_tbwa'"));
    }

    [Fact]
    public async Task The_platform_is_never_deprovisioned_and_dropping_without_an_archive_needs_yes()
    {
        var platform = await _platform.CliAsync("tenant", "deprovision", "platform", "--no-archive", "--yes");
        Assert.Equal(1, platform.ExitCode);
        Assert.Contains("cannot be deprovisioned", platform.Error, StringComparison.Ordinal);

        var unconfirmed = await _platform.CliAsync("tenant", "deprovision", "tbwa", "--no-archive");
        Assert.Equal(2, unconfirmed.ExitCode);
        var neither = await _platform.CliAsync("tenant", "deprovision", "tbwa");
        Assert.Equal(2, neither.ExitCode);

        var dropped = await _platform.CliAsync("tenant", "deprovision", "tbwa", "--no-archive", "--yes", "--json");
        Assert.True(dropped.ExitCode == 0, dropped.ToString());
        Assert.True(dropped.Json().GetProperty("changed").GetBoolean());
        var twice = await _platform.CliAsync("tenant", "deprovision", "tbwa", "--no-archive", "--yes", "--json");
        Assert.False(twice.Json().GetProperty("changed").GetBoolean());

        var restoreActive = await _platform.CliAsync("tenant", "restore", "scout", "--from", _archives);
        Assert.Equal(2, restoreActive.ExitCode);
        Assert.Contains("is not a tenant archive", restoreActive.Error, StringComparison.Ordinal);
    }
}
