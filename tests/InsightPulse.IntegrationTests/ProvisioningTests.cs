using Dapper;
using InsightPulse.Bench;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;
using Npgsql;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.C)]
public sealed class ProvisioningTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private Task<ProvisionResult> ProvisionAsync(string code, bool adopt = false) =>
        _platform.Get<TenantProvisioner>().ProvisionAsync(code, new TenantProvisioner.Options(adopt), null, null, CancellationToken.None);

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task Up_provisions_the_three_seed_tenants_as_the_seed_checklist_expects()
    {
        await _platform.UpAndProvisionAsync();

        var tenants = await _platform.Registry.ListAsync(CancellationToken.None);
        Assert.All(tenants, t => Assert.Equal(TenantState.Active, t.State));
        await using var data = await OpenAsync("postgres");
        // The seed's own checklist queries.
        Assert.Equal("tbwa", await data.ExecuteScalarAsync<string>("SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'tbwa'"));
        Assert.Equal("odoo_tbwa", await data.ExecuteScalarAsync<string>("SELECT datname FROM pg_database WHERE datname = 'odoo_tbwa'"));
        Assert.Equal("scout", await data.ExecuteScalarAsync<string>("SELECT schema_name FROM information_schema.schemata WHERE schema_name = 'scout'"));
        Assert.Null(await data.ExecuteScalarAsync<string>("SELECT datname FROM pg_database WHERE datname = 'odoo_scout'"));
        Assert.True(await data.ExecuteScalarAsync<bool>("SELECT to_regclass('tbwa.ppm_expense_line') IS NOT NULL"));
        Assert.True(await data.ExecuteScalarAsync<bool>("SELECT to_regclass('scout.scout_transactions') IS NOT NULL"));

        await using var tbwa = await OpenAsync("odoo_tbwa");
        var modules = (await tbwa.QueryAsync<string>("SELECT name FROM ir_module_module WHERE tenant_id = 'tbwa' ORDER BY name")).ToList();
        Assert.Equal(["ipai_bi_superset_embed", "ipai_finance_ppm", "ipai_tenant_core"], modules);
        Assert.Equal("tbwa", await tbwa.ExecuteScalarAsync<string>("SELECT value FROM ir_config_parameter WHERE tenant_id = 'tbwa' AND key = 'superset.workspace'"));
        Assert.Equal(1, await tbwa.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE tenant_id = 'tbwa' AND login = 'admin' AND is_admin"));
        await using var platform = await OpenAsync("odoo_platform");
        var admins = await platform.QueryAsync<string>("SELECT tenant_id FROM res_users WHERE login = 'admin' ORDER BY tenant_id");
        Assert.Equal(["platform", "scout"], admins);
        Assert.Equal(3, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_bi_workspace"));
        Assert.Equal(3, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_provision_run WHERE outcome = 'succeeded'"));
    }

    [Fact]
    public async Task Provisioning_twice_reports_every_step_as_already_done()
    {
        await ProvisionAsync("tbwa");

        var second = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json");

        Assert.True(second.ExitCode == 0, second.ToString());
        var steps = second.Json().GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(TenantProvisioner.StepNames, steps.Select(s => s.GetProperty("step").GetString()));
        Assert.All(steps, s => Assert.False(s.GetProperty("acted").GetBoolean(), s.ToString()));
        Assert.False(second.Json().GetProperty("changed").GetBoolean());
    }

    [Fact]
    public async Task An_unknown_tenant_gets_the_seeds_message()
    {
        var run = await _platform.CliAsync("tenant", "provision", "nosuch", "--no-verify");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error: Tenant code not found in ipai.tenant table", run.Error, StringComparison.Ordinal);
        Assert.Contains("./ipai tenant create nosuch", run.Error, StringComparison.Ordinal);
        // The seed's own fix, its SQL, for the tenant asked for.
        Assert.Contains("INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, active, create_date, write_date) VALUES ('nosuch', 'Name', 'odoo_nosuch', 'nosuch', true, NOW(), NOW());", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_password_is_generated_into_a_0600_secret_hashed_in_the_tenant_database_and_never_printed()
    {
        await ProvisionAsync("platform");
        var run = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify");

        Assert.True(run.ExitCode == 0, run.ToString());
        var secret = Path.Combine(_platform.Home, "secrets", "tbwa.admin");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(secret));
        var password = (await File.ReadAllTextAsync(secret)).Trim();
        Assert.DoesNotContain(password, run.Output + run.Error, StringComparison.Ordinal);
        await using var tbwa = await OpenAsync("odoo_tbwa");
        var hash = await tbwa.ExecuteScalarAsync<string>("SELECT password_hash FROM res_users WHERE tenant_id = 'tbwa' AND login = 'admin'");
        Assert.True(PasswordHash.Verify(hash!, password));
        Assert.DoesNotContain(password, hash!, StringComparison.Ordinal);
        // The hash went to the tenant's database, not the platform's (the earlier script's mistake).
        await using var platform = await OpenAsync("odoo_platform");
        Assert.Equal(0, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE tenant_id = 'tbwa'"));
    }

    [Fact]
    public async Task ODOO_ADMIN_PASSWORD_sets_the_admin_password_and_a_change_is_applied_on_the_next_run()
    {
        var settings = new Dictionary<string, string?>(_platform.Settings) { ["ODOO_ADMIN_PASSWORD"] = "first-Pa55word!" };
        var first = await CliRun.RunAsync(settings, "tenant", "provision", "tbwa", "--no-verify");
        settings["ODOO_ADMIN_PASSWORD"] = "second-Pa55word!";
        var second = await CliRun.RunAsync(settings, "tenant", "provision", "tbwa", "--no-verify", "--json");

        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.DoesNotContain("first-Pa55word!", first.Output + first.Error, StringComparison.Ordinal);
        var admin = second.Json().GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "admin");
        Assert.True(admin.GetProperty("acted").GetBoolean());
        Assert.Contains("ODOO_ADMIN_PASSWORD", admin.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await using var tbwa = await OpenAsync("odoo_tbwa");
        var hash = await tbwa.ExecuteScalarAsync<string>("SELECT password_hash FROM res_users WHERE tenant_id = 'tbwa' AND login = 'admin'");
        Assert.True(PasswordHash.Verify(hash!, "second-Pa55word!"));
        Assert.False(File.Exists(Path.Combine(_platform.Home, "secrets", "tbwa.admin")));
    }

    [Fact]
    public async Task Ten_simultaneous_provisions_produce_one_tenant()
    {
        // All ten are queued on the tenant's lock at one moment (pg_locks), so they overlap for certain.
        var (runs, waiters) = await HeldLockStart.RunAsync(postgres.ConnectionString("odoo_platform"), TenantProvisioner.LockKey("tbwa"), 10,
            () => _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json"));

        Assert.Equal(10, waiters);
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.All(runs, r => Assert.Contains("waiting for", r.Error, StringComparison.Ordinal));
        Assert.Single(runs, r => r.Json().GetProperty("changed").GetBoolean());
        await using var platform = await OpenAsync("odoo_platform");
        Assert.Equal(10, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_provision_run WHERE tenant_code = 'tbwa' AND outcome = 'succeeded'"));
        await using var tbwa = await OpenAsync("odoo_tbwa");
        Assert.Equal(1, await tbwa.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE login = 'admin'"));
    }

    [Fact]
    public async Task With_no_wait_a_second_run_exits_naming_the_run_that_holds_the_tenant()
    {
        await using var holder = await OpenAsync("odoo_platform");
        await holder.ExecuteAsync("SELECT pg_advisory_lock(hashtextextended('ipai:provision:tbwa', 0))");

        var run = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--no-wait");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is being provisioned by", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_schema_of_an_active_tenant_is_noticed_and_repaired()
    {
        await ProvisionAsync("tbwa");
        await using (var data = await OpenAsync("postgres"))
        {
            await data.ExecuteAsync("DROP SCHEMA tbwa CASCADE");
        }

        var repair = await ProvisionAsync("tbwa");

        Assert.Contains(repair.Steps, s => s is { Step: "schema", Acted: true });
        Assert.Contains(repair.Steps, s => s is { Step: "modules", Acted: true });
        await using var check = await OpenAsync("postgres");
        Assert.True(await check.ExecuteScalarAsync<bool>("SELECT to_regclass('tbwa.ppm_expense_line') IS NOT NULL"));
        Assert.True(await check.ExecuteScalarAsync<bool>("SELECT to_regclass('tbwa.bir_form') IS NOT NULL"));
        Assert.False((await ProvisionAsync("tbwa")).Changed);
    }

    /// <summary>tbwa as if provisioned by a build without tenant-context 0003: its record gone, 0002's function back in place.</summary>
    private async Task UndoTenantContext0003Async()
    {
        foreach (var database in new[] { "postgres", "odoo_tbwa" })
        {
            await using var connection = await OpenAsync(database);
            await connection.ExecuteAsync("""
                DELETE FROM ipai_migration WHERE scope = 'tenant_context' AND migration_id = '0003_tenant_context_from_setting.sql';
                CREATE OR REPLACE FUNCTION ipai.current_tenant_id() RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
                RETURN coalesce(nullif(current_setting('app.tenant_id', true), ''), 'stale');
                """);
        }
    }

    [Fact]
    public async Task A_tenant_context_migration_of_a_newer_build_is_applied_to_a_provisioned_tenant_and_reported()
    {
        await ProvisionAsync("tbwa");
        await UndoTenantContext0003Async();

        var run = await ProvisionAsync("tbwa");

        Assert.Contains("tenant context: applied 0003_tenant_context_from_setting.sql", run.Steps.Single(s => s.Step == "schema").Detail, StringComparison.Ordinal);
        Assert.Contains("tenant context: applied 0003_tenant_context_from_setting.sql", run.Steps.Single(s => s.Step == "modules").Detail, StringComparison.Ordinal);
        foreach (var database in new[] { "postgres", "odoo_tbwa" })
        {
            await using var connection = await OpenAsync(database);
            Assert.Null(await connection.ExecuteScalarAsync<string?>("SELECT ipai.current_tenant_id()"));
        }
        Assert.False((await ProvisionAsync("tbwa")).Changed);
    }

    [Fact]
    public async Task Up_migrates_an_active_tenant_provisioned_by_a_build_with_other_tenant_scripts_and_only_that_one()
    {
        await _platform.UpAndProvisionAsync();
        // All three on this build's scripts: the next up runs no tenant.
        Assert.DoesNotContain(await _platform.UpAndProvisionAsync(), s => s.Step.StartsWith("tenant ", StringComparison.Ordinal));

        // tbwa as if provisioned by a build without 0003, which recorded no fingerprint (builds before 0006 did not).
        await UndoTenantContext0003Async();
        await using (var platform = await OpenAsync(PlatformScope.PlatformDatabase))
        {
            await platform.ExecuteAsync("UPDATE ipai_provision_run SET scripts = NULL WHERE tenant_code = 'tbwa'");
        }

        var up = await _platform.UpAndProvisionAsync();

        var tenantSteps = up.Where(s => s.Step.StartsWith("tenant ", StringComparison.Ordinal)).ToList();
        var tbwa = Assert.Single(tenantSteps);
        Assert.Equal("tenant tbwa", tbwa.Step);
        Assert.True(tbwa.Acted, tbwa.Detail);
        Assert.StartsWith("migrated to this build's scripts: schema, modules", tbwa.Detail, StringComparison.Ordinal);
        foreach (var database in new[] { "postgres", "odoo_tbwa" })
        {
            await using var connection = await OpenAsync(database);
            Assert.Null(await connection.ExecuteScalarAsync<string?>("SELECT ipai.current_tenant_id()"));
        }
        Assert.DoesNotContain(await _platform.UpAndProvisionAsync(), s => s.Step.StartsWith("tenant ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_dropped_module_table_is_noticed_and_repaired_without_touching_the_other_tables()
    {
        await ProvisionAsync("tbwa");
        await using (var data = await OpenAsync("postgres"))
        {
            await data.ExecuteAsync("SELECT set_config('app.tenant_id', 'tbwa', false); INSERT INTO tbwa.ppm_agency (code, name, tin) VALUES ('TBWA', 'TBWA Santiago Mangada Puno', '004-512-377-000')");
            await data.ExecuteAsync("DROP TABLE tbwa.ppm_expense_line CASCADE");
        }

        var repair = await ProvisionAsync("tbwa");

        var modules = repair.Steps.Single(s => s.Step == "modules");
        Assert.True(modules.Acted);
        Assert.Contains("ppm_expense_line", modules.Detail, StringComparison.Ordinal);
        await using var check = await OpenAsync("postgres");
        Assert.True(await check.ExecuteScalarAsync<bool>("SELECT to_regclass('tbwa.ppm_expense_line') IS NOT NULL"));
        await check.ExecuteAsync("SELECT set_config('app.tenant_id', 'tbwa', false)");
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("SELECT count(*) FROM tbwa.ppm_agency"));
    }

    [Fact]
    public async Task Repairing_a_table_re_runs_the_modules_that_depend_on_it_so_their_foreign_keys_come_back()
    {
        await ProvisionAsync("tbwa");
        const string ForeignKey = "SELECT count(*) FROM pg_constraint WHERE conname = 'ipai_bi_dashboard_access_user_fk'";
        await using (var tbwa = await OpenAsync("odoo_tbwa"))
        {
            Assert.Equal(1, await tbwa.ExecuteScalarAsync<int>(ForeignKey));
            await tbwa.ExecuteAsync("DROP TABLE res_users CASCADE"); // also drops ipai_bi_superset_embed's foreign key
            Assert.Equal(0, await tbwa.ExecuteScalarAsync<int>(ForeignKey));
        }

        var repair = await ProvisionAsync("tbwa");

        var modules = repair.Steps.Single(s => s.Step == "modules");
        Assert.Contains("repaired ipai_tenant_core: res_users", modules.Detail, StringComparison.Ordinal);
        Assert.Contains("re-ran ipai_bi_superset_embed after repairing ipai_tenant_core", modules.Detail, StringComparison.Ordinal);
        Assert.Contains(repair.Steps, s => s is { Step: "admin", Acted: true });
        await using var check = await OpenAsync("odoo_tbwa");
        Assert.Equal(1, await check.ExecuteScalarAsync<int>(ForeignKey));
        Assert.False((await ProvisionAsync("tbwa")).Changed);
    }

    [Fact]
    public async Task A_database_copied_from_the_template_is_the_same_as_one_built_by_running_the_migrations()
    {
        await _platform.Registry.CreateAsync(Tenant.New("copied", "Copied Co"), CancellationToken.None);
        await _platform.Registry.CreateAsync(Tenant.New("built", "Built Co"), CancellationToken.None);

        var copied = await _platform.Get<TenantProvisioner>().ProvisionAsync("copied", new TenantProvisioner.Options(), null, null, CancellationToken.None);
        var built = await _platform.Get<TenantProvisioner>().ProvisionAsync("built", new TenantProvisioner.Options(UseTemplate: false), null, null, CancellationToken.None);

        Assert.Contains("from ipai_template_", copied.Steps.Single(s => s.Step == "database").Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("template", built.Steps.Single(s => s.Step == "database").Detail, StringComparison.Ordinal);
        const string Shape = """
            SELECT format('%s %s %s', c.relname, c.relkind, c.relforcerowsecurity) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'ipai')
            UNION ALL SELECT format('%s.%s %s %s', a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND a.attnum > 0 AND NOT a.attisdropped
            UNION ALL SELECT format('%s %s', conname, pg_get_constraintdef(oid)) FROM pg_constraint WHERE connamespace = 'public'::regnamespace
            UNION ALL SELECT format('%s %s %s', polname, polrelid::regclass, pg_get_expr(polqual, polrelid)) FROM pg_policy
            UNION ALL SELECT format('%s %s', relname, relacl) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relacl IS NOT NULL
            UNION ALL SELECT format('%s %s %s', scope, migration_id, checksum) FROM public.ipai_migration
            ORDER BY 1
            """;
        await using var one = await OpenAsync("odoo_copied");
        await using var other = await OpenAsync("odoo_built");
        Assert.Equal(await other.QueryAsync<string>(Shape), await one.QueryAsync<string>(Shape));
        Assert.Equal(1, await one.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE tenant_id = 'copied' AND login = 'admin'"));
        Assert.Equal(0, await one.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE tenant_id <> 'copied'"));
        Assert.False(await one.ExecuteScalarAsync<bool>("SELECT has_database_privilege('public', 'odoo_copied', 'CONNECT')"));
    }

    [Fact]
    public async Task The_provisioning_benchmark_reports_every_kind_and_leaves_nothing_behind()
    {
        var run = await _platform.CliAsync("bench", "provision", "--tenants", "2", "--settle-seconds", "0", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var variants = run.Json().GetProperty("variants").EnumerateArray().ToList();
        Assert.Equal(4, variants.Count);
        Assert.All(variants, v =>
        {
            Assert.Equal(2, v.GetProperty("tenants").GetInt32());
            Assert.True(v.GetProperty("total").GetProperty("p50").GetDouble() > 0);
            Assert.Equal(TenantProvisioner.StepNames, v.GetProperty("steps").EnumerateObject().Select(p => p.Name));
        });
        Assert.DoesNotContain(await _platform.Registry.ListAsync(CancellationToken.None), t => t.Code.StartsWith(ProvisioningBenchmark.CodePrefix, StringComparison.Ordinal));
        await using var data = await OpenAsync("postgres");
        Assert.Equal(0, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_database WHERE datname LIKE 'odoo\\_bench\\_%'"));
        Assert.Equal(0, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'bench\\_%'"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_platform.Home, "secrets"), "bench_*"));
    }

    [Fact]
    public async Task A_tenant_whose_isolation_lint_finds_an_error_is_not_finished_and_the_script_is_named()
    {
        await ProvisionAsync("tbwa");
        await using (var data = await OpenAsync("postgres"))
        {
            // The runtime role could now disable its policies: no script puts an owner back, so no repair can.
            await data.ExecuteAsync("ALTER TABLE tbwa.ppm_agency OWNER TO ipai_app");
        }

        var run = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify");

        Assert.Equal(1, run.ExitCode);
        Assert.True(run.Error.Contains("isolation lint found", StringComparison.Ordinal), run.ToString());
        Assert.Contains("runtime_role_owns_objects", run.Error, StringComparison.Ordinal);
        Assert.Contains("tbwa.ppm_agency", run.Error, StringComparison.Ordinal);
        Assert.True(run.Error.Contains("introduced by module:ipai_finance_ppm/0001_finance_ppm.sql", StringComparison.Ordinal), run.Error);
        await using (var platform = await OpenAsync("odoo_platform"))
        {
            Assert.Equal("isolation", await platform.ExecuteScalarAsync<string>(
                "SELECT s.step FROM ipai_provision_step s JOIN ipai_provision_run r ON r.id = s.run_id WHERE r.tenant_code = 'tbwa' AND s.outcome = 'failed'"));
        }
        await using (var data = await OpenAsync("postgres"))
        {
            await data.ExecuteAsync("ALTER TABLE tbwa.ppm_agency OWNER TO CURRENT_USER");
        }
        var fixedRun = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify");
        Assert.True(fixedRun.ExitCode == 0, fixedRun.ToString());
    }

    [Fact]
    public async Task A_run_leaves_no_connection_to_the_tenant_database_behind_so_many_tenants_fit_in_max_connections()
    {
        await ProvisionAsync("tbwa");
        await _platform.Get<InsightPulse.Core.Isolation.IsolationLint>().RunAsync(null, CancellationToken.None);

        await using var admin = await OpenAsync("postgres");
        // A closed connection's backend leaves pg_stat_activity a moment after the client hung up: wait for that.
        var deadline = DateTime.UtcNow.AddSeconds(5);
        int open;
        while ((open = await admin.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'odoo_tbwa' AND application_name = 'ipai'")) > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(0, open);
    }

    [Fact]
    public async Task A_database_that_provisioning_did_not_create_is_refused_unless_adopted()
    {
        await using (var admin = await OpenAsync("postgres"))
        {
            await admin.ExecuteAsync("CREATE DATABASE odoo_tbwa");
        }

        var refused = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Database 'odoo_tbwa' already exists, and no provisioning record says it was created for tenant 'tbwa'", refused.Error, StringComparison.Ordinal);
        Assert.Contains("--adopt", refused.Error, StringComparison.Ordinal);
        // Dropping it is offered only after keeping a copy.
        Assert.Contains("keep a copy first (`pg_dump -Fc -d odoo_tbwa -f odoo_tbwa.dump`), then drop it", refused.Error, StringComparison.Ordinal);

        // Made by the server's admin, it is not the platform's owner's to adopt until the admin gives it.
        var foreign = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--adopt");
        Assert.Equal(1, foreign.ExitCode);
        Assert.Contains($"Database 'odoo_tbwa' belongs to {postgres.Admin.Username}: `ALTER DATABASE odoo_tbwa OWNER TO {PostgresFixture.OwnerRole};` as a superuser, then adopt it.",
            foreign.Error, StringComparison.Ordinal);
        await using (var admin = await OpenAsync("postgres"))
        {
            await admin.ExecuteAsync($"ALTER DATABASE odoo_tbwa OWNER TO {PostgresFixture.OwnerRole}");
        }

        var adopted = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--adopt");
        Assert.True(adopted.ExitCode == 0, adopted.ToString());
        Assert.Contains("adopted existing database odoo_tbwa", adopted.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_suspended_tenant_is_not_provisioned()
    {
        await ProvisionAsync("tbwa");
        await _platform.Registry.SetStateAsync("tbwa", TenantState.Suspended, CancellationToken.None);

        var run = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("suspended", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_adds_a_module_to_a_tenant_with_its_dependencies()
    {
        await _platform.Registry.CreateAsync(Tenant.New("acme", "Acme"), CancellationToken.None);
        await ProvisionAsync("acme");
        await using var data = await OpenAsync("postgres");
        Assert.False(await data.ExecuteScalarAsync<bool>("SELECT to_regclass('acme.ppm_project') IS NOT NULL"));

        var run = await _platform.CliAsync("tenant", "install", "acme", "ipai_finance_ppm", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(await data.ExecuteScalarAsync<bool>("SELECT to_regclass('acme.ppm_project') IS NOT NULL"));
        var unknown = await _platform.CliAsync("tenant", "install", "acme", "no_such_module");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("There is no module 'no_such_module'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_module_creates_exactly_the_tables_and_views_its_manifest_declares()
    {
        await _platform.UpAndProvisionAsync(); // the seeds give scout and tbwa the finance module

        foreach (var (database, schema, modules) in new[]
        {
            ("odoo_tbwa", "public", ModuleCatalog.Embedded.Modules.Where(m => m.Target == ModuleTarget.Database)),
            ("postgres", "scout", ModuleCatalog.Embedded.Modules.Where(m => m.Target == ModuleTarget.Schema).Append(ModuleCatalog.Embedded.DatabankOf("scout")!)),
            ("postgres", "tbwa", ModuleCatalog.Embedded.Modules.Where(m => m.Target == ModuleTarget.Schema).Append(ModuleCatalog.Embedded.DatabankOf("tbwa")!)),
        })
        {
            await using var connection = await OpenAsync(database);
            var present = (await connection.QueryAsync<string>(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = @schema AND c.relkind IN ('r', 'v') AND c.relname NOT IN ('ipai_migration', 'ipai_migration_event')" +
                (database == "odoo_platform" ? " AND c.relname NOT LIKE 'ipai\\_%'" : ""),
                new { schema })).Order(StringComparer.Ordinal);
            var declared = modules.SelectMany(m => m.Relations).Order(StringComparer.Ordinal);
            Assert.Equal(declared, present);
        }
    }
}
