using System.Text.Json;
using Dapper;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// `tenant verify` and `verify --all` against a live platform (the HTTP gates through a web host the CLI starts for
/// the run): every gate passes on the seed tenants; each guarded property broken on purpose fails its gate, with
/// evidence naming the problem.
/// </summary>
[Collection(Lanes.B)]
public sealed class VerifyTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private async Task ExecuteAsync(string database, string sql)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        await connection.ExecuteAsync(sql);
    }

    /// <summary>`tenant verify tbwa --json`: the gates by name.</summary>
    private async Task<(int ExitCode, Dictionary<string, (string Outcome, string Evidence)> Gates)> VerifyTbwaAsync()
    {
        var run = await _platform.CliAsync("tenant", "verify", "tbwa", "--in-process", "--json");
        var gates = run.Json().GetProperty("gates").EnumerateArray()
            .ToDictionary(g => g.GetProperty("name").GetString()!, g => (g.GetProperty("outcome").GetString()!, g.GetProperty("evidence").GetString()!));
        return (run.ExitCode, gates);
    }

    private static void AssertFailsWith(Dictionary<string, (string Outcome, string Evidence)> gates, string gate, string evidence)
    {
        Assert.True(gates[gate].Outcome == "failed", string.Join("\n", gates.Select(g => $"{g.Key} {g.Value.Outcome}: {g.Value.Evidence}")));
        Assert.Contains(evidence, gates[gate].Evidence, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_gate_passes_for_every_seed_tenant_and_for_afc_client_made_with_the_seeds_insert()
    {
        // The seed's troubleshooting INSERT for its next tenant (a code with '_': reached at afc-client.localhost).
        await ExecuteAsync("odoo_platform", """
            INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, active, create_date, write_date)
            VALUES ('afc_client', 'AFC client operations', 'odoo_afc_client', 'afc_client', true, NOW(), NOW());
            """);
        Assert.Equal(0, (await _platform.CliAsync("tenant", "provision", "afc_client")).ExitCode);

        var run = await _platform.CliAsync("verify", "--all", "--in-process", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var tenants = run.Json().GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!);
        Assert.Equal(["afc_client", "platform", "scout", "tbwa"], tenants.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("afc-client.localhost", tenants["afc_client"].GetProperty("gates").EnumerateArray()
            .Single(g => g.GetProperty("name").GetString() == "sign_in").GetProperty("evidence").GetString(), StringComparison.Ordinal);
        foreach (var (code, tenant) in tenants)
        {
            var gates = tenant.GetProperty("gates").EnumerateArray().ToDictionary(g => g.GetProperty("name").GetString()!, g => g.GetProperty("outcome").GetString());
            Assert.Equal(["registry", "schema", "database", "modules", "isolation", "rls", "dashboards", "sign_in", "dashboards_page", "guest_token"], gates.Keys);
            Assert.All(gates, g => Assert.True(g.Value is "passed" or "skipped", $"{code}: {g.Key} {g.Value}"));
        }
        // A schema tenant shares the platform database: that gate says so instead of passing vacuously.
        Assert.Equal("skipped", tenants["scout"].GetProperty("gates").EnumerateArray().Single(g => g.GetProperty("name").GetString() == "database").GetProperty("outcome").GetString());
        // Each run is recorded, for the console.
        await using (var platform = await _platform.OpenPlatformAsync())
        {
            Assert.Equal(4, await platform.ExecuteScalarAsync<int>("SELECT count(DISTINCT tenant_code) FROM ipai_tenant_verification WHERE passed"));
        }
        // The one-time users are gone again.
        await using var tbwa = new NpgsqlConnection(postgres.ConnectionString("odoo_tbwa"));
        await tbwa.OpenAsync();
        Assert.Equal(0, await tbwa.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE login LIKE 'ipai_verify_%'"));
    }

    [Fact]
    public async Task A_dropped_schema_fails_the_schema_gate_with_the_seeds_query()
    {
        await ExecuteAsync("postgres", "DROP SCHEMA tbwa CASCADE");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "schema", "SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'tbwa' returned no row");
    }

    [Fact]
    public async Task A_pending_module_script_fails_only_the_modules_gate()
    {
        await ExecuteAsync("postgres", "DELETE FROM tbwa.ipai_migration WHERE scope = 'module:ipai_finance_ppm' AND migration_id = '0002_expense_analysis.sql'");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "modules", "module:ipai_finance_ppm/0002_expense_analysis.sql pending");
        Assert.True(gates.Count(g => g.Value.Outcome == "failed") == 1, string.Join("\n", gates.Select(g => $"{g.Key} {g.Value.Outcome}: {g.Value.Evidence}")));
    }

    [Fact]
    public async Task A_policy_weakened_to_true_fails_the_isolation_gate()
    {
        await ExecuteAsync("odoo_tbwa", "ALTER POLICY tenant_isolation ON res_users USING (true)");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "isolation", "res_users");
    }

    [Fact]
    public async Task Row_security_no_longer_forced_fails_only_the_isolation_gate()
    {
        await ExecuteAsync("odoo_tbwa", "ALTER TABLE res_users NO FORCE ROW LEVEL SECURITY");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "isolation", "[rls_not_forced] odoo_tbwa/public.res_users");
        // The runtime role is not the owner: FORCE does not change what it sees, so the RLS probes still hold.
        Assert.Equal(["isolation"], gates.Where(g => g.Value.Outcome == "failed").Select(g => g.Key));
    }

    [Fact]
    public async Task A_chart_whose_column_vanished_fails_the_dashboards_gate()
    {
        await ExecuteAsync("odoo_platform", "UPDATE ipai_bi_chart SET broken_reason = 'Column ''state'' is no longer in dataset ppm_expense_report.' WHERE tenant_code = 'tbwa' AND key = 'reports_by_state'");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "dashboards", "agency-finance/reports_by_state: Column 'state' is no longer in dataset ppm_expense_report.");
    }

    [Fact]
    public async Task Sign_in_refused_at_the_tenants_host_fails_the_sign_in_gate_and_the_one_time_user_is_removed()
    {
        // Every login of tbwa is refused: a trigger that deactivates any new user (what a broken sign-in looks like from outside).
        await ExecuteAsync("odoo_tbwa", """
            CREATE FUNCTION public.refuse_users() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.active := false; RETURN NEW; END $$;
            CREATE TRIGGER refuse_users BEFORE INSERT ON res_users FOR EACH ROW EXECUTE FUNCTION public.refuse_users();
            """);
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "sign_in", "POST http://");
        AssertFailsWith(gates, "dashboards_page", "not signed in");
        await using var tbwa = new NpgsqlConnection(postgres.ConnectionString("odoo_tbwa"));
        await tbwa.OpenAsync();
        Assert.Equal(0, await tbwa.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE login LIKE 'ipai_verify_%'"));
    }
}
