using System.Net;
using System.Net.Sockets;
using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// `./ipai up` with no POSTGRES_URL: a cluster of its own under the home folder, as `make up` runs it. One class,
/// one cluster, the steps in the order a user takes them.
/// </summary>
[Collection(Lanes.C)]
public sealed class ManagedClusterTests : IAsyncLifetime
{
    private readonly string _home = PostgresFixture.NewTempFolder("ipai-test-managed");
    private Dictionary<string, string?> Settings => new() { ["POSTGRES_URL"] = "", ["Local:Home"] = _home };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await new ManagedCluster(_home).DestroyAsync(CancellationToken.None);
        Npgsql.NpgsqlConnection.ClearAllPools();
        Directory.Delete(_home, recursive: true);
    }

    private Task<CliRun> Cli(params string[] args) => CliRun.RunAsync(Settings, args);

    [Fact]
    public async Task Up_down_up_status_psql_and_reset_work_on_a_cluster_of_the_projects_own()
    {
        var before = await Cli("status", "--json");
        Assert.Equal(1, before.ExitCode);
        Assert.Equal("not_initialized", before.Json().GetProperty("server").GetString());

        var first = await Cli("up", "--no-serve");
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("+ cluster", first.Error, StringComparison.Ordinal);
        Assert.Contains("registered platform, tbwa, scout", first.Error, StringComparison.Ordinal);

        var second = await Cli("up", "--no-serve");
        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("Up to date: nothing to change", second.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("+ ", second.Error, StringComparison.Ordinal);

        var status = await Cli("status", "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        var json = status.Json();
        Assert.Equal("managed", json.GetProperty("mode").GetString());
        Assert.Equal("running", json.GetProperty("server").GetString());
        Assert.Equal(3, json.GetProperty("tenant_count").GetInt32());
        foreach (var secret in Directory.GetFiles(Path.Combine(_home, "secrets")))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
            Assert.DoesNotContain(File.ReadAllText(secret).Trim(), status.Output + first.Error + second.Error, StringComparison.Ordinal);
        }

        // The seed's troubleshooting INSERT through ./ipai psql, after the seed tbwa is gone (an empty slot for it).
        var delete = await Cli("psql", "odoo_platform", "-v", "ON_ERROR_STOP=1", "-c", "DELETE FROM ipai_tenant WHERE code = 'tbwa'");
        Assert.Equal(0, delete.ExitCode);
        var insert = await Cli("psql", "odoo_platform", "-v", "ON_ERROR_STOP=1", "-c",
            "INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, active, create_date, write_date) VALUES ('tbwa', 'TBWA Philippines', 'odoo_tbwa', 'tbwa', true, NOW(), NOW());");
        Assert.Equal(0, insert.ExitCode);
        var tbwa = await Cli("tenant", "show", "tbwa", "--json");
        Assert.True(tbwa.ExitCode == 0, tbwa.ToString());
        Assert.Null(tbwa.Json().GetProperty("primary_domain").GetString());
        var failing = await Cli("psql", "odoo_platform", "-v", "ON_ERROR_STOP=1", "-c", "SELECT * FROM no_such_table");
        Assert.NotEqual(0, failing.ExitCode);

        var down = await Cli("down");
        Assert.Equal(0, down.ExitCode);
        var stopped = await Cli("status", "--json");
        Assert.Equal("stopped", stopped.Json().GetProperty("server").GetString());
        var listWhileDown = await Cli("tenant", "list");
        Assert.Equal(1, listWhileDown.ExitCode);
        Assert.Contains("make up", listWhileDown.Error, StringComparison.Ordinal);

        // Someone else took the port while we were down: up moves to a free one and keeps the data.
        var port = stopped.Json().GetProperty("port").GetInt32();
        using (var squatter = new TcpListener(IPAddress.Loopback, port))
        {
            squatter.Start();
            Npgsql.NpgsqlConnection.ClearAllPools();
            var again = await Cli("up", "--no-serve");
            Assert.Contains("+ server", again.Error, StringComparison.Ordinal);
            // The re-inserted tbwa row finds the database of the deleted one: up refuses to hand it over silently,
            // says how, and keeps the rest of the platform up.
            Assert.True(again.ExitCode == 1, again.ToString());
            Assert.Contains("! tenant tbwa", again.Error, StringComparison.Ordinal);
            Assert.Contains("--adopt", again.Error, StringComparison.Ordinal);
        }
        var adopted = await Cli("tenant", "provision", "tbwa", "--no-verify", "--adopt");
        Assert.True(adopted.ExitCode == 0, adopted.ToString());

        // The owner here is not a superuser and FORCE'd RLS binds it: archiving reads through the operator role.
        var archives = Path.Combine(_home, "archives");
        var gone = await Cli("tenant", "deprovision", "tbwa", "--archive-to", archives, "--json");
        Assert.True(gone.ExitCode == 0, gone.ToString());
        var back = await Cli("tenant", "restore", "tbwa", "--from", gone.Json().GetProperty("archive").GetString()!);
        Assert.True(back.ExitCode == 0, back.ToString());
        var moved = await Cli("status", "--json");
        Assert.NotEqual(port, moved.Json().GetProperty("port").GetInt32());
        Assert.Equal(3, moved.Json().GetProperty("tenant_count").GetInt32());

        var refused = await Cli("reset");
        Assert.Equal(2, refused.ExitCode);
        var reset = await Cli("reset", "--yes");
        Assert.Equal(0, reset.ExitCode);
        Assert.False(Directory.Exists(Path.Combine(_home, "secrets")));
        Assert.Equal("not_initialized", (await Cli("status", "--json")).Json().GetProperty("server").GetString());
    }
}
