using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.A)]
public sealed class RuntimeRoleGuardTests(PostgresFixture postgres, SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    private Task<PlatformScope> PlatformAsync() => shared.GetAsync(postgres, scope => scope.UpAndProvisionAsync());

    private async Task<NpgsqlConnection> OpenAsync(string database)
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString(database));
        await connection.OpenAsync();
        return connection;
    }

    [Fact]
    public async Task The_runtime_and_bi_roles_that_up_creates_are_safe()
    {
        var guard = (await PlatformAsync()).Get<RuntimeRoleGuard>();

        await guard.EnsureSafeAsync("ipai_app", CancellationToken.None);
        await guard.EnsureSafeAsync("ipai_bi", CancellationToken.None);
    }

    [Fact]
    public async Task The_tests_platform_owner_is_no_superuser_and_forced_rls_binds_it()
    {
        // Every integration test runs its platform as this owner (PostgresFixture.Owner): were it a superuser, forced
        // RLS would bind nobody the tests run as but the runtime roles.
        var databases = (await PlatformAsync()).Get<PlatformDatabases>();
        await using var owner = await databases.GetAsOwner(FleetServer.Home, "odoo_tbwa").OpenConnectionAsync();
        var role = await owner.QuerySingleAsync<(string Name, bool Super, bool Bypass)>(
            "SELECT rolname::text, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
        Assert.Equal((PostgresFixture.OwnerRole, false, false), role);

        await using var admin = await OpenAsync("odoo_tbwa");
        var forced = await admin.QueryAsync<string>("""
            SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND c.relforcerowsecurity ORDER BY 1
            """);
        var withRows = 0;
        foreach (var table in forced)
        {
            if (await admin.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}") == 0) continue;
            withRows++;
            Assert.True(await owner.ExecuteScalarAsync<long>($"SELECT count(*) FROM {table}") == 0, $"the owner reads rows of {table} with no tenant set");
        }
        Assert.True(withRows > 0, "no forced table of tbwa holds a row");
    }

    [Theory]
    [InlineData("SUPERUSER", "superuser", "NOSUPERUSER")]
    [InlineData("BYPASSRLS", "BYPASSRLS", "NOBYPASSRLS")]
    public async Task A_role_that_bypasses_rls_is_refused_with_the_fix(string attribute, string problem, string fix)
    {
        var guard = (await PlatformAsync()).Get<RuntimeRoleGuard>();
        var role = PostgresFixture.UniqueName("iso_role");
        await using var admin = await OpenAsync("postgres");
        await admin.ExecuteAsync($"CREATE ROLE {Sql.Identifier(role)} LOGIN {attribute}");
        try
        {
            var error = await Assert.ThrowsAsync<RuntimeRoleUnsafeException>(() => guard.EnsureSafeAsync(role, CancellationToken.None));

            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
            Assert.Contains($"ALTER ROLE \"{role}\" {fix}", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await admin.ExecuteAsync($"DROP ROLE {Sql.Identifier(role)}");
        }
    }

    [Fact]
    public async Task A_role_that_owns_a_tenant_object_or_is_a_member_of_a_bypassing_role_is_refused()
    {
        var guard = (await PlatformAsync()).Get<RuntimeRoleGuard>();
        var role = PostgresFixture.UniqueName("iso_owner");
        var strong = PostgresFixture.UniqueName("iso_strong");
        await using var admin = await OpenAsync("odoo_tbwa");
        await admin.ExecuteAsync($"CREATE ROLE {Sql.Identifier(role)} LOGIN; CREATE ROLE {Sql.Identifier(strong)} BYPASSRLS; GRANT {Sql.Identifier(strong)} TO {Sql.Identifier(role)}; " +
            $"CREATE TABLE public.iso_owned (tenant_id text); ALTER TABLE public.iso_owned OWNER TO {Sql.Identifier(role)}");
        try
        {
            var error = await Assert.ThrowsAsync<RuntimeRoleUnsafeException>(() => guard.EnsureSafeAsync(role, CancellationToken.None));

            Assert.Contains("owns", error.Message, StringComparison.Ordinal);
            Assert.Contains("public.iso_owned in odoo_tbwa", error.Message, StringComparison.Ordinal);
            Assert.Contains($"member of {strong}", error.Message, StringComparison.Ordinal);
            Assert.Equal(2, error.Problems.Count);
        }
        finally
        {
            await admin.ExecuteAsync($"DROP TABLE public.iso_owned; DROP ROLE {Sql.Identifier(role)}; DROP ROLE {Sql.Identifier(strong)}");
        }
    }
}
