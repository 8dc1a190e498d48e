using Dapper;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Provisioning;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// A provisioning process killed at every fault point (no cleanup: SIGKILL), then run again (in this process): the
/// tenant is complete and nothing is left over — no stray database, schema or half-applied migration.
/// </summary>
[Collection(Lanes.B)]
public sealed class FaultInjectionTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    public static TheoryData<string> Points => new(FaultInjection.Points);

    [Theory]
    [MemberData(nameof(Points))]
    public async Task A_run_killed_at_this_point_is_completed_by_the_next_run(string point)
    {
        var killed = await CliProcess.RunAsync(_platform.Settings, new Dictionary<string, string> { [FaultInjection.Variable] = point }, "tenant", "provision", "tbwa", "--no-verify");
        Assert.True(killed.ExitCode != 0, killed.ToString());
        Assert.Contains($"fault injection: killing the process at {point}", killed.Error, StringComparison.Ordinal);

        // The next runs need no process of their own: what they find is what the killed one left.
        var resumed = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json");
        Assert.True(resumed.ExitCode == 0, resumed.ToString());

        await AssertCompleteAsync();
        var again = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json");
        Assert.False(again.Json().GetProperty("changed").GetBoolean(), again.Output);
    }

    [Fact]
    public async Task A_database_left_under_the_templates_name_but_not_marked_a_template_is_built_again()
    {
        // What a build killed between its rename and IS_TEMPLATE left before the template was marked first.
        var tenant = await _platform.Registry.GetAsync("tbwa", CancellationToken.None);
        var template = await _platform.Get<TenantProvisioner>().TemplateNameAsync(tenant, CancellationToken.None);
        await using (var admin = await Open("postgres"))
        {
            await admin.ExecuteAsync($"CREATE DATABASE {template} OWNER {PostgresFixture.OwnerRole}");
        }

        var run = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        await using var data = await Open("postgres");
        Assert.True(await data.ExecuteScalarAsync<bool>("SELECT datistemplate AND NOT datallowconn FROM pg_database WHERE datname = @template", new { template }));
        Assert.Equal(0, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM pg_database WHERE datname LIKE '%\\_build'"));
        await AssertCompleteAsync(interrupted: false);
    }

    private async Task AssertCompleteAsync(bool interrupted = true)
    {
        await using var platform = await Open("odoo_platform");
        Assert.Equal("active", await platform.ExecuteScalarAsync<string>("SELECT state FROM ipai_tenant WHERE code = 'tbwa'"));
        if (interrupted)
        {
            Assert.Equal("interrupted: the process ended before the run finished",
                await platform.ExecuteScalarAsync<string>("SELECT error FROM ipai_provision_run WHERE tenant_code = 'tbwa' ORDER BY started_at LIMIT 1"));
        }
        Assert.Equal(0, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_provision_run WHERE finished_at IS NULL"));

        await using var data = await Open("postgres");
        var databases = await data.QueryAsync<string>("SELECT datname FROM pg_database WHERE NOT datistemplate AND datname <> 'postgres' ORDER BY datname");
        Assert.Equal(["odoo_platform", "odoo_tbwa"], databases);
        var schemas = await data.QueryAsync<string>("SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('information_schema', 'pg_toast') AND left(nspname, 3) <> 'pg_' ORDER BY nspname");
        Assert.Equal(["ipai", "public", "tbwa"], schemas);

        var catalog = ModuleCatalog.Embedded;
        var schemaScopes = catalog.InstallOrder(ModuleCatalog.BaseModules.Append("ipai_finance_ppm")).Where(m => m.Target == ModuleTarget.Schema).Append(catalog.DatabankOf("tbwa")!);
        foreach (var module in schemaScopes)
        {
            Assert.Equal(module.Migrations.Count, await data.ExecuteScalarAsync<int>("SELECT count(*) FROM tbwa.ipai_migration WHERE scope = @Scope", new { module.Scope }));
        }
        await using var tenant = await Open("odoo_tbwa");
        foreach (var module in catalog.InstallOrder(ModuleCatalog.BaseModules).Where(m => m.Target == ModuleTarget.Database))
        {
            Assert.Equal(module.Migrations.Count, await tenant.ExecuteScalarAsync<int>("SELECT count(*) FROM public.ipai_migration WHERE scope = @Scope", new { module.Scope }));
        }
        Assert.Equal(1, await tenant.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE login = 'admin'"));

        // The events tell exactly what committed, whichever point killed the run: every script of the schema store
        // reported once (the database came from a template: its provisioned event reports it), none that rolled back.
        Assert.Equal(1, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_schema_event WHERE tenant_code = 'tbwa' AND change = 'tenant_provisioned'"));
        var reported = (await platform.QueryAsync<string>(
            "SELECT script FROM ipai_schema_event, unnest(scripts) AS script WHERE tenant_code = 'tbwa' AND store = 'schema'")).ToList();
        var journal = await data.QueryAsync<string>("SELECT scope || '/' || migration_id FROM tbwa.ipai_migration WHERE scope <> 'tenant_context'");
        Assert.Equal(journal.Order(StringComparer.Ordinal), reported.Order(StringComparer.Ordinal));
        var reportedInDatabase = await platform.QueryAsync<string>(
            "SELECT script FROM ipai_schema_event, unnest(scripts) AS script WHERE tenant_code = 'tbwa' AND store = 'database'");
        var databaseJournal = (await tenant.QueryAsync<string>("SELECT scope || '/' || migration_id FROM public.ipai_migration")).ToHashSet();
        Assert.All(reportedInDatabase, script => Assert.Contains(script, databaseJournal));
        Assert.Equal(0, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_schema_event_store"));
    }

    private async Task<NpgsqlConnection> Open(string database)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }
}
