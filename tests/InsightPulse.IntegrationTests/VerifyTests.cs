using System.Text.Json;
using Dapper;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Verification;
using InsightPulse.Web;
using InsightPulse.Web.Bi;
using Microsoft.Extensions.Configuration;
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


    /// <summary>`tenant verify tbwa --json`: the gates by name (the HTTP gates against <paramref name="url"/>, else a web host started for the run).</summary>
    private async Task<(int ExitCode, Dictionary<string, (string Outcome, string Evidence)> Gates)> VerifyTbwaAsync(string? url = null)
    {
        var run = await _platform.CliAsync(["tenant", "verify", "tbwa", .. (url is null ? new[] { "--in-process" } : new[] { "--url", url }), "--json"]);
        Assert.True(run.Output.TrimStart().StartsWith('{'), run.ToString());
        var gates = run.Json().GetProperty("gates").EnumerateArray()
            .ToDictionary(g => g.GetProperty("name").GetString()!, g => (g.GetProperty("outcome").GetString()!, g.GetProperty("evidence").GetString()!));
        return (run.ExitCode, gates);
    }

    private static string Describe(Dictionary<string, (string Outcome, string Evidence)> gates) =>
        string.Join("\n", gates.Select(g => $"{g.Key} {g.Value.Outcome}: {g.Value.Evidence}"));

    private static void AssertFailed(Dictionary<string, (string Outcome, string Evidence)> gates, params string[] failed) =>
        Assert.True(gates.Where(g => g.Value.Outcome == "failed").Select(g => g.Key).SequenceEqual(failed), Describe(gates));

    private static void AssertFailsWith(Dictionary<string, (string Outcome, string Evidence)> gates, string gate, string evidence)
    {
        Assert.True(gates[gate].Outcome == "failed", Describe(gates));
        Assert.Contains(evidence, gates[gate].Evidence, StringComparison.Ordinal);
    }

    /// <summary>A copy of a platform home (its secrets keep their modes).</summary>
    private static void CopyFolder(string from, string to)
    {
        foreach (var folder in Directory.GetDirectories(from, "*", SearchOption.AllDirectories)) Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, folder)));
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var copy = Path.Combine(to, Path.GetRelativePath(from, file));
            File.Copy(file, copy);
            File.SetUnixFileMode(copy, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task Every_gate_passes_for_every_seed_tenant_and_for_afc_client_made_with_the_seeds_insert()
    {
        // The seed's troubleshooting INSERT for its next tenant (a code with '_': reached at afc-client.localhost).
        await postgres.ExecuteAsync("odoo_platform", """
            INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, active, create_date, write_date)
            VALUES ('afc_client', 'AFC client operations', 'odoo_afc_client', 'afc_client', true, NOW(), NOW());
            """);
        // `provision` ends with the gates (no --no-verify): their result is part of the run's JSON.
        var provisioned = await _platform.CliAsync("tenant", "provision", "afc_client", "--in-process", "--json");
        Assert.True(provisioned.ExitCode == 0, provisioned.ToString());
        var verification = provisioned.Json().GetProperty("verification");
        Assert.True(verification.GetProperty("passed").GetBoolean(), provisioned.ToString());
        Assert.Equal(10, verification.GetProperty("gates").GetArrayLength());

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
        await postgres.ExecuteAsync("postgres", "DROP SCHEMA tbwa CASCADE");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "schema", "SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'tbwa' returned no row");
    }

    [Fact]
    public async Task A_pending_module_script_fails_only_the_modules_gate()
    {
        await postgres.ExecuteAsync("postgres", "DELETE FROM tbwa.ipai_migration WHERE scope = 'module:ipai_finance_ppm' AND migration_id = '0002_expense_analysis.sql'");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "modules", "module:ipai_finance_ppm/0002_expense_analysis.sql pending");
        Assert.True(gates.Count(g => g.Value.Outcome == "failed") == 1, Describe(gates));
    }

    [Fact]
    public async Task A_policy_weakened_to_true_fails_the_isolation_gate()
    {
        await postgres.ExecuteAsync("odoo_tbwa", "ALTER POLICY tenant_isolation ON res_users USING (true)");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "isolation", "res_users");
    }

    [Fact]
    public async Task Row_security_no_longer_forced_fails_only_the_isolation_gate()
    {
        await postgres.ExecuteAsync("odoo_tbwa", "ALTER TABLE res_users NO FORCE ROW LEVEL SECURITY");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "isolation", "[rls_not_forced] odoo_tbwa/public.res_users");
        // The runtime role is not the owner: FORCE does not change what it sees, so the RLS probes still hold.
        Assert.Equal(["isolation"], gates.Where(g => g.Value.Outcome == "failed").Select(g => g.Key));
    }

    [Fact]
    public async Task A_chart_whose_column_vanished_fails_the_dashboards_gate()
    {
        await postgres.ExecuteAsync("odoo_platform", "UPDATE ipai_bi_chart SET broken_reason = 'Column ''state'' is no longer in dataset ppm_expense_report.' WHERE tenant_code = 'tbwa' AND key = 'reports_by_state'");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "dashboards", "agency-finance/reports_by_state: Column 'state' is no longer in dataset ppm_expense_report.");
    }

    [Fact]
    public async Task A_store_several_tenants_share_fails_each_of_them_in_one_fleet_run_though_it_is_linted_once()
    {
        // platform and scout keep their rows in odoo_platform's public schema; tbwa has a database of its own.
        await postgres.ExecuteAsync("odoo_platform", "ALTER TABLE res_users NO FORCE ROW LEVEL SECURITY");

        var run = await _platform.CliAsync("verify", "--all", "--in-process", "--parallel", "3", "--json");

        Assert.Equal(1, run.ExitCode);
        var failed = run.Json().GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!,
            t => t.GetProperty("gates").EnumerateArray().Where(g => g.GetProperty("outcome").GetString() == "failed")
                .Select(g => $"{g.GetProperty("name").GetString()}: {g.GetProperty("evidence").GetString()}").ToList());
        Assert.Empty(failed["tbwa"]);
        foreach (var code in new[] { "platform", "scout" })
        {
            Assert.True(failed[code] is [var only] && only.StartsWith("isolation: ", StringComparison.Ordinal)
                && only.Contains("[rls_not_forced] odoo_platform/public.res_users", StringComparison.Ordinal), $"{code}: {string.Join("\n", failed[code])}");
        }
    }

    [Fact]
    public async Task Bench_verify_runs_every_gate_of_every_active_tenant_and_drops_its_tenants()
    {
        var run = await _platform.CliAsync("bench", "verify", "--tenants", "2", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = run.Json();
        Assert.Equal(5, result.GetProperty("tenants").GetInt32());
        Assert.Equal(0, result.GetProperty("failed").GetInt32());
        Assert.Equal(["registry", "schema", "database", "modules", "isolation", "rls", "dashboards", "sign_in", "dashboards_page", "guest_token"],
            result.GetProperty("gates").EnumerateArray().Select(g => g.GetProperty("gate").GetString()));
        Assert.True(result.GetProperty("seconds").GetDouble() > 0);
        await using var platform = await _platform.OpenPlatformAsync();
        Assert.Equal(0, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_tenant WHERE code LIKE 'bench_http_%'"));
    }

    [Fact]
    public async Task Provision_ends_with_the_gates_and_exits_1_when_one_fails_unless_told_no_verify()
    {
        // Provisioning has nothing to repair here (the admin exists; the trigger only touches new users), but the
        // gates' one-time user cannot sign in.
        await postgres.ExecuteAsync("odoo_tbwa", """
            CREATE FUNCTION public.refuse_users() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.active := false; RETURN NEW; END $$;
            CREATE TRIGGER refuse_users BEFORE INSERT ON res_users FOR EACH ROW EXECUTE FUNCTION public.refuse_users();
            """);

        var run = await _platform.CliAsync("tenant", "provision", "tbwa", "--in-process");

        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("Tenant tbwa is active, but gate(s) sign_in, dashboards_page failed", run.Error, StringComparison.Ordinal);
        var skipped = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json");
        Assert.True(skipped.ExitCode == 0, skipped.ToString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, skipped.Json().GetProperty("verification").ValueKind);
    }

    [Fact]
    public async Task Sign_in_refused_at_the_tenants_host_fails_the_sign_in_gate_and_the_one_time_user_is_removed()
    {
        // Every login of tbwa is refused: a trigger that deactivates any new user (what a broken sign-in looks like from outside).
        await postgres.ExecuteAsync("odoo_tbwa", """
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

    [Fact]
    public async Task An_invalid_registry_field_fails_only_the_registry_gate_naming_the_field()
    {
        // The CHECK constraint is the registry's second line of defence: without it (a row written before the rule, or by
        // hand on a copy without it) the gate's own validation still catches the field.
        await postgres.ExecuteAsync("odoo_platform", """
            ALTER TABLE ipai_tenant DROP CONSTRAINT ipai_tenant_admin_email_format;
            UPDATE ipai_tenant SET admin_email = 'finance@TBWA.example' WHERE code = 'tbwa';
            """);
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "registry", "admin_email: 'finance@TBWA.example' is not an e-mail address");
        AssertFailed(gates, "registry");
    }

    [Fact]
    public async Task A_suspended_tenant_fails_the_registry_gate_naming_its_state()
    {
        await postgres.ExecuteAsync("odoo_platform", "UPDATE ipai_tenant SET state = 'suspended' WHERE code = 'tbwa'");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "registry", "state is suspended, not active");
        // The web host answers a suspended tenant's host with 403, as it should: the HTTP gates fail with it; the stores
        // are untouched, so every other core gate passes.
        AssertFailsWith(gates, "guest_token", "answered 403");
        AssertFailed(gates, "registry", "sign_in", "dashboards_page", "guest_token");
    }

    [Fact]
    public async Task A_missing_tenant_database_fails_the_database_gate_and_verify_still_reports_every_gate()
    {
        NpgsqlConnection.ClearAllPools();
        await postgres.ExecuteAsync("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'odoo_tbwa' AND pid <> pg_backend_pid()");
        await postgres.ExecuteAsync("postgres", "ALTER DATABASE odoo_tbwa RENAME TO odoo_tbwa_away");
        try
        {
            var (exitCode, gates) = await VerifyTbwaAsync();
            Assert.Equal(1, exitCode);
            AssertFailsWith(gates, "database", "SELECT datname FROM pg_database WHERE datname = 'odoo_tbwa' returned no row");
            // Every gate that opens the tenant's database fails with it, pointing at the database gate (not at `make up`);
            // registry and schema do not read it, and tbwa's charts read datasets of its schema in the data database.
            // Once the web host found tbwa's database missing (at sign-in), tbwa's host answers 503 with Retry-After,
            // the guest-token API's too.
            AssertFailed(gates, "database", "modules", "isolation", "rls", "sign_in", "dashboards_page", "guest_token");
            AssertFailsWith(gates, "modules", "database \"odoo_tbwa\" does not exist (see the database gate)");
            AssertFailsWith(gates, "sign_in", "(see the database gate)");
            AssertFailsWith(gates, "guest_token", "answered 503");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await postgres.ExecuteAsync("postgres", "ALTER DATABASE odoo_tbwa_away RENAME TO odoo_tbwa");
        }
    }

    [Fact]
    public async Task A_policy_that_lets_any_tenants_row_be_inserted_fails_the_rls_gate()
    {
        // Permissive policies are OR-ed: an extra INSERT policy WITH CHECK (true) lets the runtime role write a row of tbwa
        // from another tenant's context, though tenant_isolation's WITH CHECK is untouched.
        await postgres.ExecuteAsync("odoo_tbwa", "CREATE POLICY insert_anything ON res_users AS PERMISSIVE FOR INSERT TO ipai_app WITH CHECK (true)");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "rls", "a row with tenant_id 'tbwa' was written into odoo_tbwa.res_users from another tenant's context (rolled back): WITH CHECK does not hold");
        // The isolation gate runs the static isolation lint first, which sees the always-true WITH CHECK on the policy too;
        // the row probes of that gate (reads) still hold, as the policy is for INSERT only.
        AssertFailsWith(gates, "isolation", "[rls_policy_always_true] odoo_tbwa/public.res_users: policy insert_anything on res_users: WITH CHECK is true");
        AssertFailed(gates, "isolation", "rls");
    }

    [Fact]
    public async Task A_rotated_bi_service_secret_fails_only_the_guest_token_gate()
    {
        // A web host of its own (as another node would be) whose home has a new secret for tbwa's BI service account; the
        // CLI still holds the old one. Everything else is shared, so only the service account's sign-in is refused.
        var name = BiServiceAccount.SecretName("tbwa");
        new SecretStore(Path.Combine(_platform.Home, "secrets")).GetOrCreate(name);
        var serverHome = PostgresFixture.NewTempFolder("ipai-test-home");
        CopyFolder(_platform.Home, serverHome);
        new SecretStore(Path.Combine(serverHome, "secrets")).Write(name, SecretStore.NewPassword());
        var settings = new Dictionary<string, string?>(_platform.Settings) { ["Local:Home"] = serverHome, ["Events:Dispatcher"] = "false" };
        var app = InsightPulseWeb.Build(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), "http://127.0.0.1:0", quiet: true);
        try
        {
            await app.StartAsync();
            var (exitCode, gates) = await VerifyTbwaAsync(app.Urls.First());
            Assert.Equal(1, exitCode);
            AssertFailsWith(gates, "guest_token", "POST /api/v1/security/login as bi_service answered 401");
            AssertFailed(gates, "guest_token");
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            Directory.Delete(serverHome, recursive: true);
        }
    }

    [Fact]
    public async Task A_dashboards_registry_the_runtime_role_cannot_read_fails_the_dashboards_page_gate()
    {
        await postgres.ExecuteAsync("odoo_tbwa", "REVOKE SELECT ON ipai_bi_dashboard FROM ipai_app");
        var (exitCode, gates) = await VerifyTbwaAsync();
        Assert.Equal(1, exitCode);
        AssertFailsWith(gates, "dashboards_page", "/dashboards answered 500");
        AssertFailed(gates, "dashboards_page");
    }
}
