using Dapper;
using InsightPulse.Core.Bootstrap;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Provisioning;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>`./ipai doctor`: clean on a fresh platform; each planted problem found by its check, with its fix as a command. Each test undoes what it plants.</summary>
[Collection(Lanes.B)]
public sealed class DoctorTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private Task<DoctorReport> DoctorAsync() => _platform.Get<PlatformDoctor>().RunAsync(CancellationToken.None);

    private async Task ExecuteAsync(string database, string sql, object? parameters = null)
    {
        await using var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        await connection.ExecuteAsync(sql, parameters);
    }

    private string Data => postgres.AdminDatabase;

    private static DoctorFinding Found(DoctorReport report, string check, string evidence) =>
        report.Findings.SingleOrDefault(f => f.Check == check && f.Level != DoctorLevel.Ok && f.Finding.Contains(evidence, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no {check} finding about '{evidence}' in:\n{Describe(report)}");

    private static string Describe(DoctorReport report) =>
        string.Join("\n", report.Findings.Select(f => $"{f.Check} {f.Level}: {f.Finding} | {f.Fix}"));

    [Fact]
    public async Task Doctor_is_clean_on_a_fresh_platform_and_runs_every_check()
    {
        var report = await DoctorAsync();

        Assert.True(report.Healthy, Describe(report));
        Assert.True(report.Warnings == 0, Describe(report));
        foreach (var check in new[]
        {
            PlatformDoctor.Checks.Connectivity, PlatformDoctor.Checks.ServerVersion, PlatformDoctor.Checks.RuntimeRoles, PlatformDoctor.Checks.Secrets,
            PlatformDoctor.Checks.MigrationsPending, PlatformDoctor.Checks.ProvisionRuns, PlatformDoctor.Checks.StoreMissing,
            PlatformDoctor.Checks.TemplateLeftover, PlatformDoctor.Checks.DiskSpace, PlatformDoctor.Checks.Webhooks,
        })
        {
            Assert.Contains(report.Findings, f => f.Check == check && f.Level == DoctorLevel.Ok);
        }
        var connectivity = report.Findings.First(f => f.Check == PlatformDoctor.Checks.Connectivity);
        Assert.Contains("odoo_tbwa", connectivity.Finding, StringComparison.Ordinal);
        Assert.Contains(":***@", connectivity.Finding, StringComparison.Ordinal);
        Assert.DoesNotContain(postgres.Admin.Password, Describe(report), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_finds_an_orphan_database_and_an_orphan_schema()
    {
        await ExecuteAsync(Data, "CREATE DATABASE odoo_ghost");
        await ExecuteAsync(Data, $"CREATE SCHEMA ghost AUTHORIZATION {PostgresFixture.OwnerRole}");
        // An extension's schema (as Supabase's pgsodium): another owner than the platform's, so no tenant's.
        await ExecuteAsync(Data, "DROP ROLE IF EXISTS doctor_extension_owner; CREATE ROLE doctor_extension_owner; CREATE SCHEMA pgsodium_like AUTHORIZATION doctor_extension_owner");
        try
        {
            var report = await DoctorAsync();
            Assert.DoesNotContain(report.Findings, f => f.Finding.Contains("pgsodium_like", StringComparison.Ordinal));

            var database = Found(report, PlatformDoctor.Checks.OrphanDatabase, "odoo_ghost");
            Assert.Equal(DoctorLevel.Warn, database.Level);
            Assert.Contains("DROP DATABASE \"odoo_ghost\" WITH (FORCE)", database.Fix, StringComparison.Ordinal);
            Assert.Contains("pg_dump", database.Fix, StringComparison.Ordinal);
            var schema = Found(report, PlatformDoctor.Checks.OrphanSchema, "schema ghost");
            Assert.Contains("DROP SCHEMA \"ghost\" CASCADE", schema.Fix, StringComparison.Ordinal);
            Assert.True(report.Healthy, Describe(report)); // orphans are warnings
        }
        finally
        {
            await ExecuteAsync(Data, "DROP DATABASE IF EXISTS odoo_ghost");
            await ExecuteAsync(Data, "DROP SCHEMA IF EXISTS ghost; DROP SCHEMA IF EXISTS pgsodium_like; DROP ROLE IF EXISTS doctor_extension_owner");
        }
    }

    [Fact]
    public async Task Doctor_finds_a_registry_row_whose_schema_is_gone()
    {
        await ExecuteAsync(Data, "ALTER SCHEMA tbwa RENAME TO tbwa_away");
        try
        {
            var report = await DoctorAsync();

            var missing = Found(report, PlatformDoctor.Checks.StoreMissing, "its schema tbwa does not exist");
            Assert.Equal(DoctorLevel.Error, missing.Level);
            Assert.Equal("./ipai tenant provision tbwa", missing.Fix);
            Found(report, PlatformDoctor.Checks.OrphanSchema, "schema tbwa_away");
            Assert.False(report.Healthy);
        }
        finally
        {
            await ExecuteAsync(Data, "ALTER SCHEMA tbwa_away RENAME TO tbwa");
        }
    }

    [Fact]
    public async Task Doctor_finds_a_stuck_run_but_not_one_whose_lock_is_held()
    {
        var runId = Guid.NewGuid();
        await ExecuteAsync(PlatformScope.PlatformDatabase,
            "INSERT INTO ipai_provision_run (id, tenant_code, host, pid) VALUES (@runId, 'tbwa', 'crashed-host', 4242)", new { runId });
        try
        {
            var report = await DoctorAsync();

            var stuck = Found(report, PlatformDoctor.Checks.ProvisionRuns, "tenant tbwa: run started");
            Assert.Equal(DoctorLevel.Error, stuck.Level);
            Assert.Contains("stuck", stuck.Finding, StringComparison.Ordinal);
            Assert.Contains("crashed-host", stuck.Finding, StringComparison.Ordinal);
            Assert.Equal("./ipai tenant provision tbwa", stuck.Fix);

            // A run in progress holds the tenant's lock on the platform database: not stuck.
            await using var holder = new NpgsqlConnection(postgres.ConnectionString(PlatformScope.PlatformDatabase));
            await holder.OpenAsync();
            await holder.ExecuteAsync("SELECT pg_advisory_lock(hashtextextended(@key, 0))", new { key = TenantProvisioner.LockKey("tbwa") });
            var running = await DoctorAsync();
            Assert.DoesNotContain(running.Findings, f => f.Check == PlatformDoctor.Checks.ProvisionRuns && f.Level != DoctorLevel.Ok);
        }
        finally
        {
            await ExecuteAsync(PlatformScope.PlatformDatabase, "DELETE FROM ipai_provision_run WHERE id = @runId", new { runId });
        }
    }

    [Fact]
    public async Task Doctor_finds_a_tenant_whose_last_run_failed()
    {
        var runId = Guid.NewGuid();
        await ExecuteAsync(PlatformScope.PlatformDatabase, """
            INSERT INTO ipai_provision_run (id, tenant_code, host, pid, finished_at, outcome, error)
            VALUES (@runId, 'scout', 'some-host', 1, clock_timestamp(), 'failed', 'step modules: disk full')
            """, new { runId });
        try
        {
            var report = await DoctorAsync();

            var failed = Found(report, PlatformDoctor.Checks.ProvisionRuns, "tenant scout: last run failed");
            Assert.Equal(DoctorLevel.Error, failed.Level);
            Assert.Contains("disk full", failed.Finding, StringComparison.Ordinal);
            Assert.Equal("./ipai tenant provision scout", failed.Fix);
        }
        finally
        {
            await ExecuteAsync(PlatformScope.PlatformDatabase, "DELETE FROM ipai_provision_run WHERE id = @runId", new { runId });
        }
    }

    [Fact]
    public async Task Doctor_finds_template_databases_left_behind()
    {
        await ExecuteAsync(Data, "CREATE DATABASE ipai_template_0123456789abcdef_build");
        await ExecuteAsync(Data, "CREATE DATABASE ipai_template_feedfacefeedface IS_TEMPLATE true");
        try
        {
            var report = await DoctorAsync();

            var build = Found(report, PlatformDoctor.Checks.TemplateLeftover, "ipai_template_0123456789abcdef_build");
            Assert.Equal(DoctorLevel.Warn, build.Level);
            Assert.Contains("DROP DATABASE \"ipai_template_0123456789abcdef_build\" WITH (FORCE)", build.Fix, StringComparison.Ordinal);
            var stale = Found(report, PlatformDoctor.Checks.TemplateLeftover, "template ipai_template_feedfacefeedface is not this build's");
            Assert.Contains("IS_TEMPLATE false", stale.Fix, StringComparison.Ordinal);
            // This build's templates are not reported.
            Assert.Equal(2, report.Findings.Count(f => f.Check == PlatformDoctor.Checks.TemplateLeftover));
        }
        finally
        {
            await ExecuteAsync(Data, "DROP DATABASE IF EXISTS ipai_template_0123456789abcdef_build");
            await ExecuteAsync(Data, "ALTER DATABASE ipai_template_feedfacefeedface IS_TEMPLATE false");
            await ExecuteAsync(Data, "DROP DATABASE IF EXISTS ipai_template_feedfacefeedface");
        }
    }

    [Fact]
    public async Task Doctor_finds_a_secret_readable_by_others_and_never_prints_its_value()
    {
        var path = Path.Combine(_platform.Home, "secrets", PlatformEnvironment.RoleSecret("ipai_app"));
        var value = (await File.ReadAllTextAsync(path)).Trim();
        var mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, mode | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        try
        {
            var report = await DoctorAsync();

            var secrets = Found(report, PlatformDoctor.Checks.Secrets, "has mode 0644");
            Assert.Equal(DoctorLevel.Error, secrets.Level);
            Assert.Equal($"chmod 600 {path}", secrets.Fix);
            Assert.DoesNotContain(value, Describe(report), StringComparison.Ordinal);
        }
        finally
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    [Fact]
    public async Task Doctor_finds_a_paused_webhook()
    {
        await using var platform = await _platform.OpenPlatformAsync();
        var id = await platform.ExecuteScalarAsync<long>("""
            INSERT INTO ipai_webhook (url, events, secret_env, state, paused_reason)
            VALUES ('http://127.0.0.1:9/hook', ARRAY['schema_changed'], 'DOCTOR_HOOK_SECRET', 'paused', 'paused after 10 failed attempts in a row')
            RETURNING id
            """);
        try
        {
            var report = await DoctorAsync();

            var paused = Found(report, PlatformDoctor.Checks.Webhooks, $"webhook {id} (http://127.0.0.1:9/hook) is paused");
            Assert.Equal(DoctorLevel.Warn, paused.Level);
            Assert.Equal($"./ipai webhook resume {id}", paused.Fix);
        }
        finally
        {
            await platform.ExecuteAsync("DELETE FROM ipai_webhook WHERE id = @id", new { id });
        }
    }

    [Fact]
    public async Task Doctor_finds_a_webhook_whose_deliveries_fail()
    {
        await using var platform = await _platform.OpenPlatformAsync();
        var id = await platform.ExecuteScalarAsync<long>("""
            INSERT INTO ipai_webhook (url, events, secret_env, consecutive_failures)
            VALUES ('http://127.0.0.1:9/failing', ARRAY['schema_changed'], 'DOCTOR_HOOK_SECRET', 3) RETURNING id
            """);
        await platform.ExecuteAsync("""
            INSERT INTO ipai_webhook_delivery (webhook_id, event_type, body, state, attempts, last_status, last_error, finished_at)
            VALUES (@id, 'schema_changed', '{}', 'failed', 8, 502, 'HTTP 502 Bad Gateway', now())
            """, new { id });
        try
        {
            var report = await DoctorAsync();

            var failing = Found(report, PlatformDoctor.Checks.Webhooks, $"webhook {id}: 1 delivery(ies) failed");
            Assert.Equal(DoctorLevel.Warn, failing.Level);
            Assert.Contains("HTTP 502", failing.Finding, StringComparison.Ordinal);
            Assert.StartsWith($"./ipai webhook deliveries {id}", failing.Fix, StringComparison.Ordinal);
        }
        finally
        {
            await platform.ExecuteAsync("DELETE FROM ipai_webhook WHERE id = @id", new { id });
        }
    }

    [Fact]
    public async Task Doctor_finds_a_runtime_role_that_bypasses_row_level_security()
    {
        await ExecuteAsync(Data, "ALTER ROLE ipai_app BYPASSRLS");
        try
        {
            var report = await DoctorAsync();

            var role = Found(report, PlatformDoctor.Checks.RuntimeRoles, "ipai_app: it has BYPASSRLS");
            Assert.Equal(DoctorLevel.Error, role.Level);
            Assert.Equal("ALTER ROLE \"ipai_app\" NOBYPASSRLS;", role.Fix);
        }
        finally
        {
            await ExecuteAsync(Data, "ALTER ROLE ipai_app NOBYPASSRLS");
        }
    }

    [Fact]
    public async Task Doctor_finds_a_tenant_provisioned_with_other_tenant_scripts()
    {
        var fingerprint = _platform.Get<TenantProvisioner>().ScriptsFingerprint;
        await ExecuteAsync(PlatformScope.PlatformDatabase, "UPDATE ipai_provision_run SET scripts = 'f00dfeedf00dfeed' WHERE tenant_code = 'tbwa' AND outcome = 'succeeded'");
        try
        {
            var report = await DoctorAsync();

            var pending = Found(report, PlatformDoctor.Checks.MigrationsPending, "tenant tbwa was last provisioned with tenant scripts f00dfeedf00d");
            Assert.Equal(DoctorLevel.Warn, pending.Level);
            Assert.Equal("./ipai migrate --all", pending.Fix);
            Assert.Single(report.Findings, f => f.Check == PlatformDoctor.Checks.MigrationsPending);
        }
        finally
        {
            await ExecuteAsync(PlatformScope.PlatformDatabase, "UPDATE ipai_provision_run SET scripts = @fingerprint WHERE tenant_code = 'tbwa' AND outcome = 'succeeded'", new { fingerprint });
        }
    }

    [Fact]
    public async Task A_node_given_its_secrets_only_by_variables_passes_the_secrets_check_and_a_missing_one_is_named_with_its_variable()
    {
        // A web node with a home of its own (no secrets folder) and the runtime roles' passwords in IPAI_SECRET_* variables.
        var secrets = new SecretStore(Path.Combine(_platform.Home, "secrets"));
        var names = new PlatformOptions().RuntimeRoles().Select(PlatformEnvironment.RoleSecret).Where(secrets.Exists).ToList();
        Assert.NotEmpty(names);
        var settings = new Dictionary<string, string?>(_platform.Settings) { ["Local:Home"] = PostgresFixture.NewTempFolder("ipai-test-node-home") };
        static System.Text.Json.JsonElement SecretsFinding(CliRun run) =>
            run.Json().GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("check").GetString() == PlatformDoctor.Checks.Secrets);

        var given = await CliProcess.RunAsync(settings, names.ToDictionary(SecretStore.VariableOf, name => secrets.Read(name)!), "doctor", "--json");
        var missing = await CliProcess.RunAsync(settings, names.Skip(1).ToDictionary(SecretStore.VariableOf, name => secrets.Read(name)!), "doctor", "--json");

        Assert.Equal("ok", SecretsFinding(given).GetProperty("level").GetString());
        Assert.Contains("given by IPAI_SECRET_* variables", SecretsFinding(given).GetProperty("finding").GetString(), StringComparison.Ordinal);
        Assert.Equal("error", SecretsFinding(missing).GetProperty("level").GetString());
        Assert.Contains(SecretStore.VariableOf(names[0]), SecretsFinding(missing).GetProperty("finding").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_json_has_its_documented_shape_and_exits_1_on_an_error()
    {
        var clean = await _platform.CliAsync("doctor", "--json");

        Assert.True(clean.ExitCode == 0, clean.ToString());
        var json = clean.Json();
        Assert.True(json.GetProperty("healthy").GetBoolean());
        Assert.Equal(0, json.GetProperty("errors").GetInt32());
        Assert.Equal(0, json.GetProperty("warnings").GetInt32());
        foreach (var finding in json.GetProperty("findings").EnumerateArray())
        {
            Assert.Equal(["check", "level", "finding", "fix"], finding.EnumerateObject().Select(p => p.Name).ToArray());
            Assert.Contains(finding.GetProperty("level").GetString(), new[] { "ok", "warn", "error" });
        }

        await ExecuteAsync(Data, "ALTER SCHEMA scout RENAME TO scout_away");
        try
        {
            var broken = await _platform.CliAsync("doctor", "--json");
            Assert.True(broken.ExitCode == 1, broken.ToString());
            Assert.False(broken.Json().GetProperty("healthy").GetBoolean());
            Assert.Contains(broken.Json().GetProperty("findings").EnumerateArray(), f =>
                f.GetProperty("check").GetString() == "store_missing" && f.GetProperty("level").GetString() == "error"
                && f.GetProperty("fix").GetString() == "./ipai tenant provision scout");

            var table = await _platform.CliAsync("doctor");
            Assert.Equal(1, table.ExitCode);
            Assert.Contains("store_missing", table.Output, StringComparison.Ordinal);
            Assert.Contains("error(s)", table.Error, StringComparison.Ordinal);
        }
        finally
        {
            await ExecuteAsync(Data, "ALTER SCHEMA scout_away RENAME TO scout");
        }
    }

    [Fact]
    public async Task Doctor_finds_tenants_left_in_provisioning_with_no_run_in_progress()
    {
        // tbwa: back in provisioning though its runs all finished (the last one succeeded); left_behind: registered straight
        // into provisioning, never a run at all.
        await ExecuteAsync(PlatformScope.PlatformDatabase, "UPDATE ipai_tenant SET state = 'provisioning' WHERE code = 'tbwa'");
        await ExecuteAsync(PlatformScope.PlatformDatabase, """
            INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, state)
            VALUES ('left_behind', 'Left behind', 'odoo_left_behind', 'left_behind', 'provisioning')
            """);
        try
        {
            await using (var platform = await _platform.OpenPlatformAsync())
            {
                Assert.Equal(0, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_provision_run WHERE tenant_code = 'left_behind' OR (tenant_code = 'tbwa' AND finished_at IS NULL)"));
            }
            var report = await DoctorAsync();

            foreach (var code in new[] { "tbwa", "left_behind" })
            {
                var left = Found(report, PlatformDoctor.Checks.ProvisionRuns, $"tenant {code} is in state provisioning and no run is in progress");
                Assert.Equal(DoctorLevel.Error, left.Level);
                Assert.Equal($"./ipai tenant provision {code}", left.Fix);
            }
            Assert.Equal(2, report.Findings.Count(f => f.Check == PlatformDoctor.Checks.ProvisionRuns));
            Assert.False(report.Healthy);
        }
        finally
        {
            await ExecuteAsync(PlatformScope.PlatformDatabase, "DELETE FROM ipai_tenant WHERE code = 'left_behind'");
            await ExecuteAsync(PlatformScope.PlatformDatabase, "UPDATE ipai_tenant SET state = 'active' WHERE code = 'tbwa'");
        }
    }

    [Fact]
    public async Task Doctor_finds_a_platform_script_not_applied()
    {
        await using var platform = await _platform.OpenPlatformAsync();
        var script = await platform.ExecuteScalarAsync<string>("SELECT max(migration_id) FROM ipai_migration WHERE scope = 'platform'");
        var (checksum, appliedAt) = await platform.QuerySingleAsync<(string, DateTime)>(
            "DELETE FROM ipai_migration WHERE scope = 'platform' AND migration_id = @script RETURNING checksum, applied_at", new { script });
        try
        {
            var report = await DoctorAsync();

            var pending = Found(report, PlatformDoctor.Checks.MigrationsPending, $"platform scripts not applied: {script}");
            Assert.Equal(DoctorLevel.Error, pending.Level);
            Assert.Equal("./ipai up", pending.Fix);
            Assert.Single(report.Findings, f => f.Check == PlatformDoctor.Checks.MigrationsPending);
            Assert.False(report.Healthy);
        }
        finally
        {
            await platform.ExecuteAsync("INSERT INTO ipai_migration (scope, migration_id, checksum, applied_at) VALUES ('platform', @script, @checksum, @appliedAt)",
                new { script, checksum, appliedAt });
        }
    }
}
