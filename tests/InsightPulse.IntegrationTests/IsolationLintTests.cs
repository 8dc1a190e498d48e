using Dapper;
using InsightPulse.Core.Isolation;
using Npgsql;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.C)]
public sealed class IsolationLintTests(PostgresFixture postgres, SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    private Task<PlatformScope> PlatformAsync() => shared.GetAsync(postgres, scope => scope.UpAndProvisionAsync());

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task A_fresh_up_has_no_error_and_no_warning()
    {
        var platform = await PlatformAsync();

        var report = await platform.Get<IsolationLint>().RunAsync(null, CancellationToken.None);

        var problems = report.Findings.Where(f => f.Level != IsolationLevel.Info).Select(f => $"{f.LevelText} {f.Lint} {f.Database} {f.ObjectName}: {f.Detail}");
        Assert.Empty(problems);
        Assert.Contains(report.Findings, f => f.Lint == IsolationLint.Names.RlsExempt && f.ObjectName == "tbwa.ipai_migration");
    }

    [Fact]
    public async Task The_cli_prints_json_and_exits_0_on_a_fresh_up()
    {
        var platform = await PlatformAsync();

        var run = await platform.CliAsync("lint", "--json", "--tenant", "tbwa");

        Assert.True(run.ExitCode == 0, run.ToString());
        var json = run.Json();
        Assert.Equal(0, json.GetProperty("errors").GetInt32());
        Assert.Equal(0, json.GetProperty("warnings").GetInt32());
        var finding = json.GetProperty("findings").EnumerateArray().First();
        Assert.Equal(["level", "lint", "tenant", "database", "object", "detail", "fix"], finding.EnumerateObject().Select(p => p.Name));
        Assert.All(json.GetProperty("findings").EnumerateArray(), f => Assert.Contains("tbwa", f.GetProperty("tenant").GetString() is "" ? "tbwa" : f.GetProperty("tenant").GetString()!, StringComparison.Ordinal));
    }

    /// <summary>Each case: the database, SQL creating one bad object, the lint expected, the object it names, SQL undoing it.</summary>
    public static TheoryData<string, string, string, string, string, string> BadObjects => new()
    {
        { "tenant_id_missing", "postgres", "CREATE TABLE tbwa.bad_notes (id int); GRANT SELECT ON tbwa.bad_notes TO ipai_app", "ERROR", "tbwa.bad_notes", "DROP TABLE tbwa.bad_notes" },
        { "rls_disabled_in_public", "postgres", "CREATE TABLE tbwa.bad_open (tenant_id text NOT NULL PRIMARY KEY)", "ERROR", "tbwa.bad_open", "DROP TABLE tbwa.bad_open" },
        { "policy_exists_rls_disabled", "odoo_tbwa", "ALTER TABLE res_groups DISABLE ROW LEVEL SECURITY", "ERROR", "public.res_groups", "ALTER TABLE res_groups ENABLE ROW LEVEL SECURITY" },
        { "rls_not_forced", "odoo_tbwa", "ALTER TABLE res_groups NO FORCE ROW LEVEL SECURITY", "ERROR", "public.res_groups", "ALTER TABLE res_groups FORCE ROW LEVEL SECURITY" },
        { "rls_enabled_no_policy", "postgres", "CREATE TABLE tbwa.bad_closed (tenant_id text PRIMARY KEY); ALTER TABLE tbwa.bad_closed ENABLE ROW LEVEL SECURITY; ALTER TABLE tbwa.bad_closed FORCE ROW LEVEL SECURITY", "INFO", "tbwa.bad_closed", "DROP TABLE tbwa.bad_closed" },
        { "rls_policy_always_true", "odoo_tbwa", "CREATE POLICY bad_all ON res_groups USING (true) WITH CHECK (true)", "ERROR", "public.res_groups", "DROP POLICY bad_all ON res_groups" },
        { "policy_missing_tenant_predicate", "odoo_tbwa", "CREATE POLICY bad_or ON res_groups USING (tenant_id = (SELECT ipai.current_tenant_id()) OR name = 'x') WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()))", "ERROR", "public.res_groups", "DROP POLICY bad_or ON res_groups" },
        { "policy_implicit_with_check", "odoo_tbwa", "CREATE POLICY bad_implicit ON res_groups FOR UPDATE USING (tenant_id = (SELECT ipai.current_tenant_id()))", "WARN", "public.res_groups", "DROP POLICY bad_implicit ON res_groups" },
        { "auth_rls_initplan", "odoo_tbwa", "CREATE POLICY bad_per_row ON res_groups FOR SELECT USING (tenant_id = ipai.current_tenant_id())", "WARN", "public.res_groups", "DROP POLICY bad_per_row ON res_groups" },
        { "policy_column_unindexed", "postgres", "CREATE TABLE tbwa.bad_slow (id int PRIMARY KEY, tenant_id text NOT NULL); ALTER TABLE tbwa.bad_slow ENABLE ROW LEVEL SECURITY; ALTER TABLE tbwa.bad_slow FORCE ROW LEVEL SECURITY; CREATE POLICY tenant_isolation ON tbwa.bad_slow USING (tenant_id = (SELECT ipai.current_tenant_id())) WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()))", "WARN", "tbwa.bad_slow", "DROP TABLE tbwa.bad_slow" },
        { "security_definer_view", "postgres", "CREATE VIEW tbwa.bad_view AS SELECT id FROM tbwa.ppm_agency", "ERROR", "tbwa.bad_view", "DROP VIEW tbwa.bad_view" },
        { "security_definer_function_executable", "postgres", "CREATE FUNCTION tbwa.bad_definer() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS 'SELECT 1'; REVOKE ALL ON FUNCTION tbwa.bad_definer() FROM PUBLIC; GRANT EXECUTE ON FUNCTION tbwa.bad_definer() TO ipai_app", "WARN", "tbwa.bad_definer()", "DROP FUNCTION tbwa.bad_definer()" },
        { "function_search_path_mutable", "postgres", "CREATE FUNCTION tbwa.bad_path() RETURNS int LANGUAGE sql AS 'SELECT 1'; REVOKE ALL ON FUNCTION tbwa.bad_path() FROM PUBLIC", "WARN", "tbwa.bad_path()", "DROP FUNCTION tbwa.bad_path()" },
        { "public_grant", "postgres", "GRANT SELECT ON tbwa.bir_form TO PUBLIC", "ERROR", "tbwa.bir_form", "REVOKE SELECT ON tbwa.bir_form FROM PUBLIC" },
        { "runtime_role_can_truncate", "postgres", "GRANT TRUNCATE ON tbwa.bir_form TO ipai_app", "ERROR", "tbwa.bir_form", "REVOKE TRUNCATE ON tbwa.bir_form FROM ipai_app" },
        { "runtime_role_owns_objects", "postgres", "CREATE TABLE tbwa.bad_owned (tenant_id text); ALTER TABLE tbwa.bad_owned OWNER TO ipai_app", "ERROR", "tbwa.bad_owned", "DROP TABLE tbwa.bad_owned" },
        { "runtime_role_bypasses_rls", "postgres", "ALTER ROLE ipai_bi BYPASSRLS", "ERROR", "ipai_bi", "ALTER ROLE ipai_bi NOBYPASSRLS" },
        { "materialized_view_in_tenant_store", "postgres", "CREATE MATERIALIZED VIEW tbwa.bad_snapshot AS SELECT 1 AS n; GRANT SELECT ON tbwa.bad_snapshot TO ipai_bi", "WARN", "tbwa.bad_snapshot", "DROP MATERIALIZED VIEW tbwa.bad_snapshot" },
    };

    [Theory]
    [MemberData(nameof(BadObjects))]
    public async Task Each_lint_fires_on_a_hand_made_bad_object(string lint, string database, string create, string level, string objectName, string undo)
    {
        var platform = await PlatformAsync();
        await using var connection = await OpenAsync(database);
        await connection.ExecuteAsync(create);
        try
        {
            var report = await platform.Get<IsolationLint>().RunAsync("tbwa", CancellationToken.None);

            var finding = report.Findings.FirstOrDefault(f => f.Lint == lint && f.ObjectName == objectName);
            Assert.True(finding is not null, $"no {lint} on {objectName}: {string.Join("; ", report.Findings.Select(f => $"{f.Lint} {f.ObjectName}"))}");
            Assert.Equal(level, finding.LevelText);
            Assert.False(string.IsNullOrWhiteSpace(finding.Fix));
            Assert.Equal(level == "ERROR", !report.Passed);
        }
        finally
        {
            await connection.ExecuteAsync(undo);
        }
    }

    [Fact]
    public async Task Only_the_objects_and_lints_a_manifest_waives_are_waived()
    {
        var platform = await PlatformAsync();
        var fresh = (await platform.CliAsync("lint", "--json")).Json().GetProperty("findings").EnumerateArray().ToList();
        var waived = fresh.Where(f => f.GetProperty("detail").GetString()!.StartsWith("waived by databank:scout", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, waived.Count);
        Assert.All(waived, f => Assert.Equal("INFO", f.GetProperty("level").GetString()));

        await using var connection = await OpenAsync("postgres");
        await connection.ExecuteAsync("ALTER VIEW scout.bi_fact_transactions SET (security_invoker = false)");
        try
        {
            var run = await platform.CliAsync("lint", "--json", "--tenant", "scout");
            Assert.Equal(1, run.ExitCode);
            var finding = run.Json().GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("object").GetString() == "scout.bi_fact_transactions");
            Assert.Equal("ERROR", finding.GetProperty("level").GetString());
            Assert.Equal("security_definer_view", finding.GetProperty("lint").GetString());
        }
        finally
        {
            await connection.ExecuteAsync("ALTER VIEW scout.bi_fact_transactions SET (security_invoker = true)");
        }
    }

    [Fact]
    public async Task The_cli_exits_1_and_names_the_fix_when_a_policy_is_weakened()
    {
        var platform = await PlatformAsync();
        await using var connection = await OpenAsync("odoo_tbwa");
        await connection.ExecuteAsync("ALTER TABLE res_users NO FORCE ROW LEVEL SECURITY");
        try
        {
            var run = await platform.CliAsync("lint");

            Assert.True(run.ExitCode == 1, run.ToString());
            Assert.Contains("rls_not_forced", run.Output, StringComparison.Ordinal);
            Assert.Contains("FAILED", run.Error, StringComparison.Ordinal);
            var json = await platform.CliAsync("lint", "--json");
            Assert.Equal(1, json.ExitCode);
            var finding = json.Json().GetProperty("findings").EnumerateArray().Single(f => f.GetProperty("lint").GetString() == "rls_not_forced");
            Assert.Contains("FORCE ROW LEVEL SECURITY", finding.GetProperty("fix").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            await connection.ExecuteAsync("ALTER TABLE res_users FORCE ROW LEVEL SECURITY");
        }
    }

    [Theory]
    [InlineData(150002, "CVE-2023-2455,CVE-2024-10976")]
    [InlineData(150003, "CVE-2024-10976")]
    [InlineData(150009, "")]
    [InlineData(170000, "CVE-2024-10976")]
    [InlineData(170001, "")]
    [InlineData(110022, "CVE-2024-10976")]
    [InlineData(100023, "CVE-2023-2455,CVE-2024-10976")]
    [InlineData(180000, "")]
    public void Server_versions_before_the_row_security_fixes_are_flagged(int versionNum, string expected)
    {
        Assert.Equal(expected, string.Join(",", IsolationLint.VulnerableTo(versionNum)));
    }
}
