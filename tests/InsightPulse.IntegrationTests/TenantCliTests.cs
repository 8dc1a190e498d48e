using Dapper;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.C)]
public sealed class TenantCliTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAsync();
    }
    public async Task DisposeAsync() => await _platform.DisposeAsync();

    [Fact]
    public async Task Create_applies_the_defaults_and_prints_json_keyed_by_the_column_names()
    {
        var run = await _platform.CliAsync("tenant", "create", "nextgen_agency", "--name", "NextGen Agency", "--domain", "nextgen.erp.insightpulseai.com",
            "--admin-email", "admin@nextgen.ph", "--country", "sg", "--industry", "services", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal("odoo_nextgen_agency", json.GetProperty("db_name").GetString());
        Assert.Equal("nextgen_agency", json.GetProperty("supabase_schema").GetString());
        Assert.Equal("nextgen_agency", json.GetProperty("superset_workspace").GetString());
        Assert.Equal("SG", json.GetProperty("country").GetString());
        Assert.Equal("draft", json.GetProperty("state").GetString());
        await using var connection = await _platform.OpenPlatformAsync();
        var columns = await connection.QueryAsync<string>("SELECT column_name FROM information_schema.columns WHERE table_name = 'ipai_tenant' ORDER BY ordinal_position");
        Assert.Equal(columns, json.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task A_duplicate_code_is_refused_naming_the_tenant_that_holds_it()
    {
        var run = await _platform.CliAsync("tenant", "create", "tbwa", "--name", "Another TBWA", "--domain", "other.example.com");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'tbwa' already exists (tenant [tbwa] TBWA Philippines)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_duplicate_domain_is_refused_naming_the_tenant_that_holds_it()
    {
        var run = await _platform.CliAsync("tenant", "create", "acme", "--name", "Acme", "--domain", "scout.insightpulseai.com");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("primary domain of tenant [scout] Scout Retail Intelligence", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_123_is_refused_as_a_usage_error_with_one_message_about_the_code()
    {
        var run = await _platform.CliAsync("tenant", "create", "Test-123", "--name", "Test");

        // Input that is not valid exits 2 (a usage error), before any service is asked.
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("CODE: 'Test-123' is not a tenant code", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("db_name", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_code_gets_the_seeds_message_and_exit_code_1()
    {
        var run = await _platform.CliAsync("tenant", "show", "nosuch");

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith("error: Tenant code not found in ipai.tenant table", run.Error, StringComparison.Ordinal);
        Assert.Contains("Fix:", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tenant", "create", "acme")]
    [InlineData("tenant", "frobnicate")]
    [InlineData("tenant", "list", "--bogus")]
    [InlineData("tenant", "update", "tbwa")]
    public async Task A_usage_error_exits_with_code_2(params string[] args)
    {
        var run = await _platform.CliAsync(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("usage error", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Update_changes_the_given_fields_and_an_empty_value_clears_an_optional_one()
    {
        var update = await _platform.CliAsync("tenant", "update", "scout", "--admin-email", "data@scout.ph", "--notes", "", "--sequence", "7", "--json");

        Assert.True(update.ExitCode == 0, update.ToString());
        var json = update.Json();
        Assert.Equal("data@scout.ph", json.GetProperty("admin_email").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, json.GetProperty("notes").ValueKind);
        Assert.Equal(7, json.GetProperty("sequence").GetInt32());
        // Options not typed keep their values (an option's default must not count as given).
        Assert.Equal("Scout Retail Intelligence", json.GetProperty("name").GetString());
        Assert.True(json.GetProperty("active").GetBoolean());
        Assert.Equal("scout.insightpulseai.com", json.GetProperty("primary_domain").GetString());
        var show = await _platform.CliAsync("tenant", "show", "scout", "--json");
        Assert.Equal("data@scout.ph", show.Json().GetProperty("admin_email").GetString());
    }

    [Fact]
    public async Task Update_refuses_an_invalid_value_and_changes_nothing()
    {
        var before = await _platform.CliAsync("tenant", "show", "tbwa", "--json");

        var run = await _platform.CliAsync("tenant", "update", "tbwa", "--domain", "TBWA.example.com", "--name", "New name");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("primary_domain (--primary-domain):", run.Error, StringComparison.Ordinal);
        var after = await _platform.CliAsync("tenant", "show", "tbwa", "--json");
        Assert.Equal(before.Output, after.Output);
    }

    [Fact]
    public async Task The_list_is_a_table_in_sequence_order()
    {
        var run = await _platform.CliAsync("tenant", "list");

        Assert.Equal(0, run.ExitCode);
        var platform = run.Output.IndexOf("InsightPulse AI Platform", StringComparison.Ordinal);
        var scout = run.Output.IndexOf("Scout Retail Intelligence", StringComparison.Ordinal);
        var tbwa = run.Output.IndexOf("TBWA Philippines", StringComparison.Ordinal);
        Assert.True(platform >= 0 && platform < scout && scout < tbwa, run.Output);
        Assert.Contains("1–3 of 3 tenant(s).", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_summarizes_tenant_databases_past_a_few_and_lists_them_when_asked()
    {
        foreach (var i in Enumerable.Range(1, 5))
        {
            Assert.Equal(0, (await _platform.CliAsync("tenant", "create", $"fleet_{i}", "--name", $"Fleet {i}")).ExitCode);
        }

        var summary = await _platform.CliAsync("status");
        var listed = await _platform.CliAsync("status", "--databases");
        var json = await _platform.CliAsync("status", "--json");

        // Drafts: registered, their databases not made yet.
        Assert.Contains("6 (6 missing: odoo_fleet_1, odoo_fleet_2", summary.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("database (tenant)", summary.Output, StringComparison.Ordinal);
        Assert.Equal(6, listed.Output.Split('\n').Count(l => l.Contains("database (tenant)", StringComparison.Ordinal)));
        Assert.Equal(6, json.Json().GetProperty("databases").EnumerateArray().Count(d => d.GetProperty("role").GetString() == "tenant"));
    }

    [Fact]
    public async Task The_list_filters_by_state_module_and_text_and_pages()
    {
        var page = await _platform.CliAsync("tenant", "list", "--limit", "1", "--offset", "1", "--json");
        var text = await _platform.CliAsync("tenant", "list", "--search", "PHILIPPINES", "--json");
        var module = await _platform.CliAsync("tenant", "list", "--module", "ipai_finance_ppm", "--json");
        var drafts = await _platform.CliAsync("tenant", "list", "--state", "draft", "--json");
        var active = await _platform.CliAsync("tenant", "list", "--state", "active", "--json");
        var wrong = await _platform.CliAsync("tenant", "list", "--state", "gone", "--limit", "0");

        static string[] Codes(CliRun run) => [.. run.Json().EnumerateArray().Select(t => t.GetProperty("code").GetString()!)];
        Assert.Equal(["scout"], Codes(page));
        Assert.Contains("2–2 of 3 tenant(s); the next page: --offset 2", page.Error, StringComparison.Ordinal);
        Assert.Equal(["tbwa"], Codes(text));
        Assert.Equal(["scout", "tbwa"], Codes(module));
        Assert.Equal(["platform", "scout", "tbwa"], Codes(drafts)); // registered by `up --no-provision`, not provisioned
        Assert.Empty(Codes(active));
        Assert.Contains("no tenant matches.", active.Error, StringComparison.Ordinal);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("--state must be one of draft, provisioning, active, suspended, archived.", wrong.Error, StringComparison.Ordinal);
        Assert.Contains("--limit must be a whole number from 1 to 1000.", wrong.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hostile_code_reaches_no_SQL_and_is_reported_safely()
    {
        var run = await _platform.CliAsync("tenant", "create", "x'; DROP TABLE ipai_tenant; --", "--name", "x");

        Assert.Equal(2, run.ExitCode);
        await using var connection = await _platform.OpenPlatformAsync();
        Assert.Equal(3, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM ipai_tenant"));
    }

    [Fact]
    public async Task Show_lists_the_hosts_with_underscores_written_as_dashes()
    {
        var created = await _platform.CliAsync("tenant", "create", "afc_client", "--name", "AFC client operations", "--domain", "afc.example.com");
        Assert.True(created.ExitCode == 0, created.ToString());

        var json = await _platform.CliAsync("tenant", "show", "afc_client", "--json");
        Assert.Equal(["afc.example.com", "afc-client.localhost"], json.Json().GetProperty("hosts").EnumerateArray().Select(h => h.GetString()));
        var human = await _platform.CliAsync("tenant", "show", "afc_client");
        Assert.Contains("afc.example.com, afc-client.localhost", human.Output, StringComparison.Ordinal);
        var platform = await _platform.CliAsync("tenant", "show", "platform", "--json");
        Assert.Contains(platform.Json().GetProperty("hosts").EnumerateArray(), h => h.GetString() == "localhost");
    }

    [Fact]
    public async Task A_domain_that_is_no_host_name_is_refused_saying_why()
    {
        var run = await _platform.CliAsync("tenant", "create", "afc_client", "--name", "AFC client operations", "--domain", "afc_client.example.com");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("a label may hold letters, digits and '-' only, never '_'", run.Error, StringComparison.Ordinal);
        Assert.Equal(1, (await _platform.CliAsync("tenant", "show", "afc_client")).ExitCode);
    }

    [Fact]
    public async Task Suspend_and_resume_move_a_tenant_and_print_it_and_the_platform_is_never_suspended()
    {
        await _platform.Registry.SetStateAsync("tbwa", Core.Tenants.TenantState.Provisioning, CancellationToken.None);
        await _platform.Registry.SetStateAsync("tbwa", Core.Tenants.TenantState.Active, CancellationToken.None);

        var suspend = await _platform.CliAsync("tenant", "suspend", "tbwa", "--json");
        Assert.True(suspend.ExitCode == 0, suspend.ToString());
        Assert.Equal("suspended", suspend.Json().GetProperty("state").GetString());
        var again = await _platform.CliAsync("tenant", "suspend", "tbwa");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("./ipai tenant resume tbwa", again.Error, StringComparison.Ordinal);

        var resume = await _platform.CliAsync("tenant", "resume", "tbwa");
        Assert.True(resume.ExitCode == 0, resume.ToString());
        Assert.Contains("is active", resume.Error, StringComparison.Ordinal);
        Assert.Equal("active", (await _platform.CliAsync("tenant", "show", "tbwa", "--json")).Json().GetProperty("state").GetString());

        var draft = await _platform.CliAsync("tenant", "suspend", "scout");
        Assert.Equal(1, draft.ExitCode);
        Assert.Contains("suspend applies to active tenants only", draft.Error, StringComparison.Ordinal);

        await _platform.Registry.SetStateAsync("platform", Core.Tenants.TenantState.Provisioning, CancellationToken.None);
        await _platform.Registry.SetStateAsync("platform", Core.Tenants.TenantState.Active, CancellationToken.None);
        var platform = await _platform.CliAsync("tenant", "suspend", "platform");
        Assert.Equal(1, platform.ExitCode);
        Assert.Contains(Core.Tenants.TenantLifecycle.PlatformLockOut, platform.Error, StringComparison.Ordinal);
        Assert.Equal("active", (await _platform.CliAsync("tenant", "show", "platform", "--json")).Json().GetProperty("state").GetString());
    }
}
