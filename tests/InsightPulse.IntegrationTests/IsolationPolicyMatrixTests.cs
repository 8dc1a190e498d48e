using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.C)]
public sealed class IsolationPolicyMatrixTests(PostgresFixture postgres, SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    private Task<PlatformScope> PlatformAsync() => shared.GetAsync(postgres, IsolationMatrix.SetUpAsync);

    [Fact]
    public async Task Every_tenant_table_isolates_tenants_for_every_operation_and_role()
    {
        var matrix = new IsolationMatrix(await PlatformAsync());
        var cases = await matrix.CasesAsync();
        // Not vacuous: the stores of platform, scout, tbwa, acme and retail2 with the modules and databanks they have.
        Assert.True(cases.Count >= 30, string.Join(", ", cases));
        Assert.Contains(cases, c => c.Table == "scout_transactions");
        Assert.Contains(cases, c => c.Store.Database == "odoo_acme" && c.Table == "res_users");
        Assert.Contains(cases, c => c.Store.Schema == "acme" && c.Table == "ppm_expense_line");

        var failures = new List<string>();
        foreach (var c in cases)
        {
            if (!TenantRows.Insert.ContainsKey(c.Table))
            {
                failures.Add($"{c}: no row recipe in TenantRows.Insert: add one for the new table.");
                continue;
            }
            await matrix.SeedAsync(c);
            failures.AddRange(await matrix.CheckAsync(c));
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    public static TheoryData<string, string, string> Weakenings => new()
    {
        { "policy USING (true)", "ALTER POLICY tenant_isolation ON bir_form USING (true)", IsolationLint.Names.PolicyAlwaysTrue },
        { "FORCE forgotten", "ALTER TABLE bir_form NO FORCE ROW LEVEL SECURITY", IsolationLint.Names.RlsNotForced },
        { "policy OR true", "ALTER POLICY tenant_isolation ON bir_form USING (tenant_id = (SELECT ipai.current_tenant_id()) OR tenant_id IS NOT NULL)", IsolationLint.Names.PolicyMissingTenantPredicate },
    };

    [Theory]
    [MemberData(nameof(Weakenings))]
    public async Task A_migration_that_weakens_isolation_fails_both_the_lint_and_the_matrix(string what, string weakening, string lint)
    {
        Assert.NotEmpty(what);
        var platform = await PlatformAsync();
        var matrix = new IsolationMatrix(platform);
        var target = (await matrix.CasesAsync()).Single(c => c.Store.Schema == "tbwa" && c.Table == "bir_form");
        await matrix.SeedAsync(target);
        await MigrationRunner.ApplyAsync(platform.Get<PlatformDatabases>().Data, new MigrationTarget("tbwa", "tbwa"), "test:weaken",
            [new Migration("0001_weaken.sql", weakening)], null, CancellationToken.None);
        try
        {
            var report = await platform.Get<IsolationLint>().RunAsync("tbwa", CancellationToken.None);
            Assert.Contains(report.Findings, f => f.Level == IsolationLevel.Error && f.Lint == lint && f.ObjectName == "tbwa.bir_form");
            Assert.False(report.Passed);
            Assert.NotEmpty(await matrix.CheckAsync(target));
        }
        finally
        {
            await using var admin = await matrix.OpenAdminAsync(target.Store);
            await admin.ExecuteAsync("""
                ALTER TABLE bir_form FORCE ROW LEVEL SECURITY;
                ALTER POLICY tenant_isolation ON bir_form USING (tenant_id = (SELECT ipai.current_tenant_id())) WITH CHECK (tenant_id = (SELECT ipai.current_tenant_id()));
                DELETE FROM ipai_migration WHERE scope = 'test:weaken';
                """);
        }
    }
}
