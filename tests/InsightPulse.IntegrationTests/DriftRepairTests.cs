using Dapper;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// Drift made by hand after provisioning — row-level security disabled, a policy dropped, the tenant-context function
/// given another body — is found by the lint and repaired: by `tenant repair`, by the next provisioning run, by `up`.
/// </summary>
[Collection(Lanes.C)]
public sealed class DriftRepairTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAndProvisionAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();



    /// <summary>The three kinds of drift, in tbwa's schema (shared data database) and in its own database.</summary>
    private async Task DriftAsync()
    {
        await postgres.ExecuteAsync("postgres", "ALTER TABLE tbwa.bir_form DISABLE ROW LEVEL SECURITY");
        await postgres.ExecuteAsync("odoo_tbwa", "DROP POLICY tenant_isolation ON res_users");
        // Every session of this database would read tbwa's rows, whatever its tenant.
        await postgres.ExecuteAsync("odoo_tbwa", "CREATE OR REPLACE FUNCTION ipai.current_tenant_id() RETURNS text LANGUAGE sql STABLE RETURN 'tbwa'");
    }

    /// <summary>The lint's errors, and its tables left without a policy (safe, but no row is seen: drift all the same).</summary>
    private async Task<List<string>> LintErrorsAsync()
    {
        var lint = await _platform.CliAsync("lint", "--tenant", "tbwa", "--json");
        return lint.Json().GetProperty("findings").EnumerateArray()
            .Where(f => f.GetProperty("level").GetString() == "ERROR" || f.GetProperty("lint").GetString() == "rls_enabled_no_policy")
            .Select(f => $"{f.GetProperty("lint").GetString()} {f.GetProperty("database").GetString()}/{f.GetProperty("object").GetString()}").ToList();
    }

    private async Task AssertRepairedAsync()
    {
        Assert.True(await postgres.ScalarAsync<bool>("postgres", "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE oid = 'tbwa.bir_form'::regclass"));
        Assert.Equal(1, await postgres.ScalarAsync<int>("odoo_tbwa", "SELECT count(*) FROM pg_policies WHERE tablename = 'res_users' AND policyname = 'tenant_isolation'"));
        Assert.Equal("", await postgres.ScalarAsync<string>("odoo_tbwa", "SELECT coalesce(ipai.current_tenant_id(), '')"));
        Assert.Empty(await LintErrorsAsync());
    }

    [Fact]
    public async Task The_lint_finds_each_kind_of_drift_and_tenant_repair_restores_each()
    {
        await DriftAsync();
        var errors = await LintErrorsAsync();
        Assert.Contains("policy_exists_rls_disabled postgres/tbwa.bir_form", errors);
        Assert.Contains("rls_enabled_no_policy odoo_tbwa/public.res_users", errors);
        Assert.Contains("tenant_context_changed odoo_tbwa/ipai.current_tenant_id()", errors);

        var repair = await _platform.CliAsync("tenant", "repair", "tbwa", "--json");
        Assert.True(repair.ExitCode == 0, repair.ToString());
        var isolation = repair.Json().GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("step").GetString() == "isolation");
        Assert.True(isolation.GetProperty("acted").GetBoolean());
        Assert.Contains("tenant_context_changed", isolation.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertRepairedAsync();
        // Nothing else changed: the next run finds the tenant as it should be.
        Assert.False((await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json")).Json().GetProperty("changed").GetBoolean());
    }

    [Fact]
    public async Task The_next_provisioning_run_repairs_drift_instead_of_failing_in_the_gate()
    {
        await DriftAsync();
        var run = await _platform.CliAsync("tenant", "provision", "tbwa", "--no-verify", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        await AssertRepairedAsync();
    }

    [Fact]
    public async Task Up_repairs_a_drifted_active_tenant_and_leaves_the_others_alone()
    {
        await DriftAsync();
        var steps = await _platform.UpAndProvisionAsync();
        var tbwa = Assert.Single(steps, s => s.Step == "tenant tbwa");
        Assert.True(tbwa.Error is null, tbwa.Error);
        Assert.StartsWith("repaired drift:", tbwa.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(steps, s => s.Step is "tenant scout" or "tenant platform");
        await AssertRepairedAsync();
    }

    [Fact]
    public async Task A_tenant_context_function_changed_in_the_shared_data_database_is_found_and_repaired()
    {
        await postgres.ExecuteAsync("postgres", "CREATE OR REPLACE FUNCTION ipai.current_tenant_id() RETURNS text LANGUAGE sql STABLE RETURN 'scout'");
        Assert.Contains("tenant_context_changed postgres/ipai.current_tenant_id()", await LintErrorsAsync());

        Assert.Equal(0, (await _platform.CliAsync("tenant", "repair", "tbwa")).ExitCode);
        Assert.Equal("", await postgres.ScalarAsync<string>("postgres", "SELECT coalesce(ipai.current_tenant_id(), '')"));
        Assert.Empty(await LintErrorsAsync());
    }
}
