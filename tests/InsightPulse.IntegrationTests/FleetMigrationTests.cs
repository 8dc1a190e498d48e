using Dapper;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using Microsoft.Extensions.DependencyInjection;
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

    private async Task ExecuteAsync(string sql, string database = "postgres")
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        await connection.ExecuteAsync(sql);
    }

    private async Task<T> ScalarAsync<T>(string sql, string database = "odoo_platform")
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return (await connection.ExecuteScalarAsync<T>(sql))!;
    }

    /// <summary>Every tenant as if its last run had failed: each needs a full run again.</summary>
    private Task MakeEveryTenantStaleAsync() => ExecuteAsync("UPDATE ipai_provision_run SET outcome = 'failed', error = 'made to fail by a test' WHERE outcome = 'succeeded'", "odoo_platform");

    /// <summary>This build's services with <paramref name="scripts"/> added to the finance module: a build one `git pull` later.</summary>
    private ServiceProvider BuildWithFinanceScripts(params Migration[] scripts) =>
        _platform.NewServices(ModuleCatalog.Embedded.WithScripts("ipai_finance_ppm", scripts));

    /// <summary>Takes a new finance script back out of tbwa's and scout's schemas (column or table, journal row) and brings the fleet back to this build.</summary>
    private async Task UndoFinanceScriptAsync(string id, string undo)
    {
        foreach (var schema in new[] { "tbwa", "scout" })
        {
            await ExecuteAsync($"SET search_path = {schema}; {undo}; DELETE FROM {schema}.ipai_migration WHERE migration_id = '{id}'");
        }
        var back = await _platform.CliAsync("migrate", "--all", "--full");
        Assert.True(back.ExitCode == 0, back.ToString());
    }

    private async Task<IReadOnlyList<string>> LastStepsAsync(string tenant)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString("odoo_platform"));
        await connection.OpenAsync();
        return (await connection.QueryAsync<string>("""
            SELECT s.step FROM ipai_provision_step s
            WHERE s.run_id = (SELECT id FROM ipai_provision_run WHERE tenant_code = @tenant ORDER BY started_at DESC LIMIT 1) ORDER BY s.position
            """, new { tenant })).ToList();
    }

    private static Dictionary<string, System.Text.Json.JsonElement> Tenants(CliRun run) =>
        run.Json().GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!);

    [Fact]
    public async Task Migrate_all_stops_at_the_first_failure_and_the_next_run_resumes_where_it_stopped()
    {
        await MakeEveryTenantStaleAsync();
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

        await ExecuteAsync($"ALTER SCHEMA scout OWNER TO {PostgresFixture.OwnerRole}");
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
        await MakeEveryTenantStaleAsync();
        await ExecuteAsync("DROP ROLE IF EXISTS fleet_stranger; CREATE ROLE fleet_stranger; ALTER SCHEMA scout OWNER TO fleet_stranger");

        var run = await _platform.CliAsync("migrate", "--all", "--keep-going", "--parallel", "2", "--json");

        Assert.Equal(1, run.ExitCode);
        var tenants = run.Json().GetProperty("tenants").EnumerateArray().ToDictionary(t => t.GetProperty("tenant").GetString()!);
        Assert.Equal(3, tenants.Count);
        Assert.True(tenants["tbwa"].GetProperty("succeeded").GetBoolean());
        await ExecuteAsync($"ALTER SCHEMA scout OWNER TO {PostgresFixture.OwnerRole}");
    }

    [Fact]
    public async Task A_pass_with_nothing_to_apply_makes_no_provisioning_run_and_full_makes_one_per_tenant()
    {
        var runsBefore = await ScalarAsync<long>("SELECT count(*) FROM ipai_provision_run");

        var pass = await _platform.CliAsync("migrate", "--all", "--json");

        Assert.True(pass.ExitCode == 0, pass.ToString());
        Assert.Equal(3, pass.Json().GetProperty("current").GetInt32());
        Assert.All(Tenants(pass).Values, t => Assert.True(t.GetProperty("current").GetBoolean() && t.GetProperty("succeeded").GetBoolean()));
        Assert.Equal(runsBefore, await ScalarAsync<long>("SELECT count(*) FROM ipai_provision_run"));
        Assert.Equal(3, await ScalarAsync<long>(
            "SELECT count(*) FROM ipai_fleet_run_tenant WHERE outcome = 'succeeded' AND run_id = (SELECT id FROM ipai_fleet_run ORDER BY started_at DESC LIMIT 1)"));

        var full = await _platform.CliAsync("migrate", "--all", "--full", "--json");

        Assert.True(full.ExitCode == 0, full.ToString());
        Assert.Equal(0, full.Json().GetProperty("current").GetInt32());
        Assert.Equal(runsBefore + 3, await ScalarAsync<long>("SELECT count(*) FROM ipai_provision_run"));
    }

    [Fact]
    public async Task A_module_asked_for_after_the_last_run_makes_that_tenant_not_current()
    {
        // As `tenant install` leaves it when killed between recording the module and its run.
        await ExecuteAsync("INSERT INTO ipai_tenant_module (tenant_code, module) VALUES ('platform', 'ipai_finance_ppm')", "odoo_platform");

        var pass = await _platform.CliAsync("migrate", "--all", "--json");

        Assert.True(pass.ExitCode == 0, pass.ToString());
        var tenants = Tenants(pass);
        Assert.False(tenants["platform"].GetProperty("current").GetBoolean());
        Assert.True(tenants["platform"].GetProperty("changed").GetBoolean());
        Assert.True(tenants["tbwa"].GetProperty("current").GetBoolean());
        Assert.True(tenants["scout"].GetProperty("current").GetBoolean());
        // Its run made it current again: the next pass has nothing to do.
        var again = await _platform.CliAsync("migrate", "--all", "--json");
        Assert.Equal(3, again.Json().GetProperty("current").GetInt32());
    }

    [Fact]
    public async Task A_failing_canary_stops_the_fleet_even_with_keep_going()
    {
        await MakeEveryTenantStaleAsync();
        await ExecuteAsync("DROP ROLE IF EXISTS fleet_stranger; CREATE ROLE fleet_stranger; ALTER SCHEMA scout OWNER TO fleet_stranger");
        try
        {
            // Registry order: platform, scout, tbwa. Canaries: the first two that need a run.
            var run = await _platform.CliAsync("migrate", "--all", "--canary", "2", "--keep-going", "--parallel", "2", "--json");

            Assert.Equal(1, run.ExitCode);
            var tenants = Tenants(run);
            Assert.True(tenants["platform"].GetProperty("canary").GetBoolean());
            Assert.True(tenants["platform"].GetProperty("succeeded").GetBoolean());
            Assert.True(tenants["scout"].GetProperty("canary").GetBoolean());
            Assert.False(tenants["scout"].GetProperty("succeeded").GetBoolean());
            Assert.False(tenants.ContainsKey("tbwa"), run.Output);
        }
        finally
        {
            await ExecuteAsync($"ALTER SCHEMA scout OWNER TO {PostgresFixture.OwnerRole}");
        }
        var human = await _platform.CliAsync("migrate", "--all", "--canary", "1");
        // The next run resumes: platform was done, scout is the canary now, then tbwa.
        Assert.True(human.ExitCode == 0, human.ToString());
        Assert.Contains("Resumed fleet run", human.Error, StringComparison.Ordinal);
        Assert.Contains("3 of 3 tenant(s) up to date", human.Error, StringComparison.Ordinal);
        Assert.Matches(@"scout\s+(migrated|up to date) \(canary\)", human.Error);
    }

    [Fact]
    public async Task Bench_migrate_times_the_pass_with_nothing_to_apply_and_the_full_pass_and_drops_its_tenants()
    {
        var run = await _platform.CliAsync("bench", "migrate", "--tenants", "2", "--full", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var passes = run.Json().GetProperty("passes").EnumerateArray().ToList();
        Assert.Equal(2, passes.Count);
        // Nothing to apply: all five (three seed, two bench) current, none ran; --full: all five ran.
        Assert.Equal((5, 5, 0, 0), (passes[0].GetProperty("tenants").GetInt32(), passes[0].GetProperty("current").GetInt32(), passes[0].GetProperty("ran").GetInt32(), passes[0].GetProperty("failed").GetInt32()));
        Assert.Equal((5, 0, 5, 0), (passes[1].GetProperty("tenants").GetInt32(), passes[1].GetProperty("current").GetInt32(), passes[1].GetProperty("ran").GetInt32(), passes[1].GetProperty("failed").GetInt32()));
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM ipai_tenant WHERE code LIKE 'bench_http_%'"));
    }

    [Fact]
    public async Task Provision_all_drafts_onboards_every_draft_in_parallel_and_verifies_them()
    {
        foreach (var code in new[] { "onboard_a", "onboard_b", "onboard_c" })
        {
            Assert.Equal(0, (await _platform.CliAsync("tenant", "create", code, "--name", $"Onboarding {code}")).ExitCode);
        }
        // One of them cannot be provisioned (its schema belongs to someone else): the others are onboarded all the same.
        await ExecuteAsync("DROP ROLE IF EXISTS fleet_stranger; CREATE ROLE fleet_stranger; CREATE SCHEMA onboard_b AUTHORIZATION fleet_stranger");

        var run = await _platform.CliAsync("tenant", "provision", "--all-drafts", "--parallel", "2", "--in-process", "--json");

        Assert.Equal(1, run.ExitCode);
        var tenants = Tenants(run);
        Assert.Equal(["onboard_a", "onboard_b", "onboard_c"], tenants.Keys);
        Assert.True(tenants["onboard_a"].GetProperty("succeeded").GetBoolean());
        Assert.False(tenants["onboard_b"].GetProperty("succeeded").GetBoolean());
        Assert.Contains("belongs to fleet_stranger", tenants["onboard_b"].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.True(tenants["onboard_c"].GetProperty("succeeded").GetBoolean());
        // The gates ran for the two that became active, and passed.
        var verified = run.Json().GetProperty("verification").EnumerateArray().ToList();
        Assert.Equal(["onboard_a", "onboard_c"], verified.Select(v => v.GetProperty("tenant").GetString()).Order(StringComparer.Ordinal));
        Assert.All(verified, v => Assert.True(v.GetProperty("passed").GetBoolean(), v.ToString()));
        Assert.Equal(2, await ScalarAsync<long>("SELECT count(*) FROM ipai_tenant WHERE code IN ('onboard_a', 'onboard_c') AND state = 'active'"));

        await ExecuteAsync("DROP SCHEMA onboard_b");
        var again = await _platform.CliAsync("tenant", "provision", "--all-drafts", "--no-verify");
        var none = await _platform.CliAsync("tenant", "provision", "--all-drafts", "--no-verify");

        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("1 of 1 draft tenant(s) provisioned", again.Error, StringComparison.Ordinal);
        Assert.True(none.ExitCode == 0, none.ToString());
        Assert.Contains("No draft tenant: nothing to provision.", none.Error, StringComparison.Ordinal);
        Assert.Equal(2, (await _platform.CliAsync("tenant", "provision", "tbwa", "--all-drafts")).ExitCode);
        Assert.Equal(2, (await _platform.CliAsync("tenant", "provision")).ExitCode);
    }

    [Fact]
    public async Task A_new_script_reaches_a_settled_fleet_by_new_scripts_runs_with_its_events_and_the_next_pass_has_nothing_to_do()
    {
        var script = new Migration("9100_project_fleet_note.sql", "ALTER TABLE ppm_project ADD COLUMN fleet_note text;");
        var eventsBefore = await ScalarAsync<long>("SELECT count(*) FROM ipai_schema_event WHERE 'module:ipai_finance_ppm/9100_project_fleet_note.sql' = ANY (scripts)");
        try
        {
            await using var build = BuildWithFinanceScripts(script);
            var fleet = build.GetRequiredService<FleetMigrator>();

            var pass = await fleet.MigrateAsync(null, new FleetMigrator.Options(Parallel: 2), null, CancellationToken.None);

            Assert.True(pass.Succeeded, string.Join("; ", pass.Tenants.Select(t => $"{t.Tenant}: {t.Error}")));
            var tenants = pass.Tenants.ToDictionary(t => t.Tenant);
            // Every tenant got a new-scripts run, not a full one; those with the finance module changed.
            Assert.All(pass.Tenants, t => Assert.True(t.NewScriptsOnly && !t.Current, t.Tenant));
            Assert.True(tenants["tbwa"].Changed);
            Assert.True(tenants["scout"].Changed);
            Assert.False(tenants["platform"].Changed);
            Assert.Equal([TenantProvisioner.NewScriptsStep], await LastStepsAsync("tbwa"));
            Assert.Equal(2, await ScalarAsync<long>(
                "SELECT count(*) FROM information_schema.columns WHERE table_name = 'ppm_project' AND column_name = 'fleet_note' AND table_schema IN ('tbwa', 'scout')", "postgres"));
            // One schema event per store that got the script, relayed, and no store left marked.
            Assert.Equal(eventsBefore + 2, await ScalarAsync<long>("SELECT count(*) FROM ipai_schema_event WHERE 'module:ipai_finance_ppm/9100_project_fleet_note.sql' = ANY (scripts)"));
            Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM ipai_schema_event_store"));

            var again = await fleet.MigrateAsync(null, new FleetMigrator.Options(), null, CancellationToken.None);

            Assert.All(again.Tenants, t => Assert.True(t.Current, t.Tenant));
        }
        finally
        {
            await UndoFinanceScriptAsync(script.Id, "ALTER TABLE ppm_project DROP COLUMN IF EXISTS fleet_note");
        }
    }

    [Fact]
    public async Task A_new_script_that_breaks_isolation_fails_its_new_scripts_run_and_the_tenant_then_gets_full_runs()
    {
        // A table with tenant_id, readable by the runtime role, without row-level security: the isolation gate's ERROR.
        var script = new Migration("9101_fleet_leak.sql", "CREATE TABLE ppm_fleet_leak (tenant_id text NOT NULL, note text); GRANT SELECT ON ppm_fleet_leak TO ${app_role};");
        try
        {
            await using var build = BuildWithFinanceScripts(script);
            var fleet = build.GetRequiredService<FleetMigrator>();

            var pass = await fleet.MigrateAsync(null, new FleetMigrator.Options(KeepGoing: true), null, CancellationToken.None);

            var tbwa = pass.Tenants.Single(t => t.Tenant == "tbwa");
            Assert.False(tbwa.Succeeded);
            Assert.True(tbwa.NewScriptsOnly, tbwa.Error);
            Assert.Contains("rls_disabled_in_public", tbwa.Error, StringComparison.Ordinal);
            Assert.Contains("introduced by module:ipai_finance_ppm/9101_fleet_leak.sql", tbwa.Error, StringComparison.Ordinal);
            Assert.Equal("failed", await ScalarAsync<string>("SELECT outcome FROM ipai_provision_run WHERE tenant_code = 'tbwa' ORDER BY started_at DESC LIMIT 1"));

            var next = await fleet.MigrateAsync(["tbwa"], new FleetMigrator.Options(), null, CancellationToken.None);
            var resumed = await fleet.MigrateAsync(null, new FleetMigrator.Options(KeepGoing: true), null, CancellationToken.None);

            // Its last run failed: the fleet gives it full runs from now on, which the gate stops as well.
            Assert.False(next.Succeeded);
            Assert.Contains(TenantProvisioner.StepNames[4], await LastStepsAsync("tbwa"));
            var again = resumed.Tenants.Single(t => t.Tenant == "tbwa");
            Assert.False(again.Succeeded || again.NewScriptsOnly);
        }
        finally
        {
            await UndoFinanceScriptAsync(script.Id, "DROP TABLE IF EXISTS ppm_fleet_leak");
        }
    }

    [Fact]
    public async Task A_new_scripts_run_killed_after_its_scripts_is_finished_by_a_full_run_that_relays_their_events()
    {
        // tbwa one build behind: its finance journal without 0002 (a re-runnable script), its last run by another build.
        const string Script = "module:ipai_finance_ppm/0002_expense_analysis.sql";
        await ExecuteAsync("DELETE FROM tbwa.ipai_migration WHERE migration_id = '0002_expense_analysis.sql'");
        await ExecuteAsync("UPDATE ipai_provision_run SET scripts = 'an older build' WHERE tenant_code = 'tbwa'", "odoo_platform");
        var eventsOf = $"SELECT count(*) FROM ipai_schema_event WHERE tenant_code = 'tbwa' AND '{Script}' = ANY (scripts)";
        var eventsBefore = await ScalarAsync<long>(eventsOf);

        var killed = await CliProcess.RunAsync(_platform.Settings,
            new Dictionary<string, string> { [FaultInjection.Variable] = TenantProvisioner.NewScriptsFaultPoint }, "migrate", "--all");

        Assert.True(killed.ExitCode != 0, killed.ToString());
        Assert.Contains($"fault injection: killing the process at {TenantProvisioner.NewScriptsFaultPoint}", killed.Error, StringComparison.Ordinal);
        // The script committed; its event waits in the store's outbox, the store marked; the run never finished.
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM tbwa.ipai_migration WHERE migration_id = '0002_expense_analysis.sql'", "postgres"));
        Assert.Equal(1, await ScalarAsync<long>("SELECT count(*) FROM ipai_schema_event_store WHERE tenant_code = 'tbwa'"));
        Assert.Equal(eventsBefore, await ScalarAsync<long>(eventsOf));
        Assert.Equal([TenantProvisioner.NewScriptsStep], await LastStepsAsync("tbwa"));

        var next = await _platform.CliAsync("migrate", "--all", "--json");

        Assert.True(next.ExitCode == 0, next.ToString());
        Assert.False(Tenants(next)["tbwa"].GetProperty("new_scripts_only").GetBoolean());
        Assert.Equal(TenantProvisioner.StepNames, await LastStepsAsync("tbwa"));
        Assert.Equal(0, await ScalarAsync<long>("SELECT count(*) FROM ipai_schema_event_store"));
        Assert.Equal(eventsBefore + 1, await ScalarAsync<long>(eventsOf));
    }

    [Fact]
    public async Task A_tenant_whose_lock_another_run_holds_gets_a_full_run_once_the_lock_is_free()
    {
        await ExecuteAsync("UPDATE ipai_provision_run SET scripts = 'an older build' WHERE tenant_code = 'tbwa'", "odoo_platform");
        await using var holder = new NpgsqlConnection(postgres.ConnectionString("odoo_platform"));
        await holder.OpenAsync();
        await holder.ExecuteAsync("SELECT pg_advisory_lock(hashtextextended(@key, 0))", new { key = TenantProvisioner.LockKey("tbwa") });
        await using var services = _platform.NewServices();

        var pass = services.GetRequiredService<FleetMigrator>().MigrateAsync(null, new FleetMigrator.Options(), null, CancellationToken.None);
        await Task.Delay(500);
        Assert.False(pass.IsCompleted);
        await holder.ExecuteAsync("SELECT pg_advisory_unlock(hashtextextended(@key, 0))", new { key = TenantProvisioner.LockKey("tbwa") });
        var result = await pass.WaitAsync(TimeSpan.FromSeconds(60));

        var tbwa = result.Tenants.Single(t => t.Tenant == "tbwa");
        Assert.True(tbwa.Succeeded && !tbwa.NewScriptsOnly, tbwa.Error);
        Assert.Equal(TenantProvisioner.StepNames, await LastStepsAsync("tbwa"));
    }

    [Fact]
    public async Task Migrate_of_an_up_to_date_tenant_changes_nothing_and_a_usage_error_exits_2()
    {
        var run = await _platform.CliAsync("migrate", "tbwa", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.False(run.Json().GetProperty("tenants")[0].GetProperty("changed").GetBoolean());
        Assert.Equal(2, (await _platform.CliAsync("migrate")).ExitCode);
        Assert.Equal(2, (await _platform.CliAsync("migrate", "tbwa", "--all")).ExitCode);
        Assert.Equal(2, (await _platform.CliAsync("migrate", "tbwa", "--canary", "1")).ExitCode);
        Assert.Equal(2, (await _platform.CliAsync("migrate", "--all", "--canary", "-1")).ExitCode);
    }
}
