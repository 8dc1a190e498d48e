using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests;

[Collection(Lanes.C)]
public sealed class TenantUnitOfWorkTests(PostgresFixture postgres, SharedPlatform shared) : IClassFixture<SharedPlatform>
{
    private Task<PlatformScope> PlatformAsync() => shared.GetAsync(postgres, IsolationMatrix.SetUpAsync);

    private static async Task<Tenant> TenantAsync(PlatformScope platform, string code) => await platform.Registry.GetAsync(code, CancellationToken.None);

    private static PostgresLogin AppLogin(PlatformScope platform) =>
        new("ipai_app", platform.Get<PlatformEnvironmentSource>().Cluster.Secrets.ReadRequired(PlatformEnvironment.RoleSecret("ipai_app")));

    /// <summary>A plain pool of the runtime role on <paramref name="database"/> (default: the shared data database).</summary>
    private static NpgsqlDataSource AppPool(PlatformScope platform, string? database = null)
    {
        var databases = platform.Get<PlatformDatabases>();
        return databases.Get(database ?? databases.Environment.DataDatabase, AppLogin(platform));
    }

    /// <summary>The runtime role's tenant-affine pool on the shared data database: the one TenantDataAccess takes its connections from.</summary>
    private static TenantAffinePool AffinePool(PlatformScope platform)
    {
        var databases = platform.Get<PlatformDatabases>();
        return databases.GetAffine(databases.Environment.DataDatabase, AppLogin(platform));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("TBWA; DROP TABLE res_users")]
    public async Task A_unit_of_work_without_a_valid_tenant_is_refused(string? code)
    {
        var access = (await PlatformAsync()).Get<TenantDataAccess>();
        // Not a tenant the registry would hold: the data layer checks the code itself before it opens anything.
        var tenant = new Tenant { Code = code ?? "", Name = "x", DbName = "odoo_x", SupabaseSchema = "x", State = TenantState.Active };

        var error = await Assert.ThrowsAsync<TenantContextRequiredException>(() => access.BeginAsync(tenant, TenantStore.Database, CancellationToken.None));

        Assert.Contains("tenant", error.Message, StringComparison.OrdinalIgnoreCase);
        await Assert.ThrowsAsync<TenantContextRequiredException>(() => access.BeginAsync((Tenant?)null, TenantStore.Schema, CancellationToken.None));
    }

    [Fact]
    public async Task A_unit_of_work_runs_as_the_runtime_role_with_the_tenant_and_schema_set_for_its_transaction_only()
    {
        var platform = await PlatformAsync();
        var access = platform.Get<TenantDataAccess>();

        await using (var uow = await access.BeginAsync(await TenantAsync(platform, "tbwa"), TenantStore.Schema, CancellationToken.None))
        {
            var (user, tenant, path) = await uow.Connection.QuerySingleAsync<(string, string, string)>(
                "SELECT current_user, current_setting('app.tenant_id'), current_setting('search_path')", transaction: uow.Transaction);
            Assert.Equal("ipai_app", user);
            Assert.Equal("tbwa", tenant);
            Assert.Equal("tbwa", path.Trim('"'));
            // Unqualified names resolve to the tenant's schema; only its rows are visible.
            Assert.True(await uow.Connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bir_atc_code", transaction: uow.Transaction) > 0);
            Assert.Equal(0, await uow.Connection.ExecuteScalarAsync<long>("SELECT count(*) FROM bir_atc_code WHERE tenant_id <> 'tbwa'", transaction: uow.Transaction));
            await uow.CommitAsync(CancellationToken.None);
            // Same session, after the commit: nothing left (not only because a pool reset would wipe it).
            Assert.Equal("", await uow.Connection.ExecuteScalarAsync<string>("SELECT coalesce(current_setting('app.tenant_id', true), '')"));
        }

        // The session kept for tbwa, handed back without any reset: the settings ended with the transaction.
        await using var kept = await AffinePool(platform).OpenAsync("tbwa", CancellationToken.None);
        Assert.Equal("", await kept.Connection.ExecuteScalarAsync<string>("SELECT coalesce(current_setting('app.tenant_id', true), '')"));
        Assert.DoesNotContain("tbwa", await kept.Connection.ExecuteScalarAsync<string>("SELECT current_setting('search_path')"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_one_round_trip_read_sees_only_its_tenants_rows_and_leaves_nothing_on_the_connection()
    {
        var platform = await PlatformAsync();
        var access = platform.Get<TenantDataAccess>();
        var pool = AffinePool(platform);

        for (var i = 0; i < 3; i++) // the session kept for tbwa, handed back each time without a reset
        {
            var rows = await access.ReadAsync<(string Tenant, string User, string Path)>(await TenantAsync(platform, "tbwa"), TenantStore.Schema,
                "SELECT tenant_id, current_user::text, current_setting('search_path') FROM bir_atc_code WHERE atc_code LIKE @prefix ORDER BY atc_code",
                new { prefix = "W%" }, CancellationToken.None);
            Assert.NotEmpty(rows);
            Assert.All(rows, row => Assert.Equal(("tbwa", "ipai_app", "tbwa"), (row.Tenant, row.User, row.Path.Trim('"'))));

            await using var next = await pool.OpenAsync("tbwa", CancellationToken.None);
            Assert.Equal("", await next.Connection.ExecuteScalarAsync<string>("SELECT coalesce(current_setting('app.tenant_id', true), '')"));
            Assert.DoesNotContain("tbwa", await next.Connection.ExecuteScalarAsync<string>("SELECT current_setting('search_path')"), StringComparison.Ordinal);
        }
        // Another tenant's read of the same table sees none of tbwa's rows.
        var acme = await access.ReadAsync<string>(await TenantAsync(platform, "acme"), TenantStore.Schema,
            "SELECT tenant_id FROM ppm_agency", null, CancellationToken.None);
        Assert.All(acme, code => Assert.Equal("acme", code));
    }

    [Fact]
    public async Task Reads_are_prepared_once_per_tenant_schema_and_each_prepared_read_sees_only_its_tenant()
    {
        var platform = await PlatformAsync();
        var access = platform.Get<TenantDataAccess>();
        var tenants = new[] { await TenantAsync(platform, "tbwa"), await TenantAsync(platform, "acme") };
        const string sql = "SELECT tenant_id FROM ppm_project_budget_status WHERE project_id > @after";

        for (var i = 0; i < 20; i++)
        {
            foreach (var tenant in tenants)
            {
                var rows = await access.ReadAsync<string>(tenant, TenantStore.Schema, sql, new { after = -1L }, CancellationToken.None);
                Assert.All(rows, code => Assert.Equal(tenant.Code, code));
            }
        }

        // Each tenant's reads ran on the session kept for it, which prepared that tenant's statement and no other's.
        var pool = AffinePool(platform);
        var positional = sql.Replace("@after", "$1", StringComparison.Ordinal);
        var sessions = new HashSet<int>();
        foreach (var tenant in tenants)
        {
            await using var kept = await pool.OpenAsync(tenant.Code, CancellationToken.None);
            sessions.Add(await kept.Connection.ExecuteScalarAsync<int>("SELECT pg_backend_pid()"));
            var prepared = await kept.Connection.QueryAsync<string>("SELECT statement FROM pg_prepared_statements WHERE statement LIKE '%ppm_project_budget_status%'");
            Assert.Equal([$"/* \"{tenant.Code}\" */ " + positional], prepared);
        }
        Assert.Equal(2, sessions.Count);
    }

    [Fact]
    public async Task A_read_or_unit_of_work_given_a_kept_session_that_ended_runs_again_on_a_fresh_one()
    {
        var platform = await PlatformAsync();
        var access = platform.Get<TenantDataAccess>();
        var tbwa = await TenantAsync(platform, "tbwa");
        await using var admin = postgres.DataSource(postgres.AdminDatabase);
        async Task EndAsync(int session)
        {
            // As a server restart or an idle timeout would: the session ends while kept for tbwa.
            await using var connection = await admin.OpenConnectionAsync();
            Assert.True(await connection.ExecuteScalarAsync<bool>("SELECT pg_terminate_backend(@session, 5000)", new { session }));
        }
        async Task<int> ReadSessionAsync() =>
            (await access.ReadAsync<int>(tbwa, TenantStore.Schema, "SELECT pg_backend_pid()", null, CancellationToken.None)).Single();

        var first = await ReadSessionAsync();
        await EndAsync(first);
        var second = await ReadSessionAsync(); // handed first (ended) again, then ran once more
        Assert.NotEqual(first, second);

        await EndAsync(second);
        await using var uow = await access.BeginAsync(tbwa, TenantStore.Schema, CancellationToken.None);
        Assert.NotEqual(second, await uow.Connection.ExecuteScalarAsync<int>("SELECT pg_backend_pid()", transaction: uow.Transaction));
        Assert.Equal("tbwa", await uow.Connection.ExecuteScalarAsync<string>("SELECT current_setting('app.tenant_id')", transaction: uow.Transaction));
    }

    [Fact]
    public async Task A_prepared_read_runs_again_when_a_migration_changed_its_columns()
    {
        var platform = await PlatformAsync();
        var access = platform.Get<TenantDataAccess>();
        var tbwa = await TenantAsync(platform, "tbwa");
        await using var owner = await platform.Get<PlatformDatabases>().Data.OpenConnectionAsync();
        async Task ViewAsync(string columns) => await owner.ExecuteAsync($"""
            DROP VIEW IF EXISTS tbwa.ipai_test_prepared;
            CREATE VIEW tbwa.ipai_test_prepared WITH (security_invoker = true) AS SELECT {columns} FROM tbwa.bir_atc_code;
            GRANT SELECT ON tbwa.ipai_test_prepared TO ipai_app;
            """);
        await ViewAsync("tenant_id, atc_code");
        try
        {
            // Enough reads for every connection of the pool to prepare the statement.
            for (var i = 0; i < 20; i++)
            {
                Assert.NotEmpty(await access.ReadAsync<string>(tbwa, TenantStore.Schema, "SELECT * FROM ipai_test_prepared", null, CancellationToken.None));
            }

            await ViewAsync("atc_code, tenant_id, 1 AS added");

            for (var i = 0; i < 20; i++)
            {
                var rows = await access.ReadAsync<(string Code, string Tenant, int Added)>(tbwa, TenantStore.Schema, "SELECT * FROM ipai_test_prepared", null, CancellationToken.None);
                Assert.All(rows, row => Assert.Equal(("tbwa", 1), (row.Tenant, row.Added)));
            }
        }
        finally
        {
            await owner.ExecuteAsync("DROP VIEW IF EXISTS tbwa.ipai_test_prepared");
        }
    }

    [Fact]
    public async Task A_one_round_trip_read_is_one_statement()
    {
        var platform = await PlatformAsync();
        var tbwa = await TenantAsync(platform, "tbwa");
        var error = await Assert.ThrowsAsync<ArgumentException>(() => platform.Get<TenantDataAccess>().ReadAsync<int>(
            tbwa, TenantStore.Schema, "SELECT 1; SELECT set_config('app.tenant_id', 'acme', false)", null, CancellationToken.None));
        Assert.Contains("one statement", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sql_without_a_tenant_sees_no_rows_and_cannot_write()
    {
        var platform = await PlatformAsync();
        await using var connection = await AppPool(platform, "odoo_tbwa").OpenConnectionAsync();

        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM res_users"));
        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("INSERT INTO res_users (login, name) VALUES ('intruder', 'Intruder')"));
        Assert.True(error.SqlState is PostgresErrorCodes.InsufficientPrivilege or PostgresErrorCodes.NotNullViolation, error.SqlState);
        Assert.Equal(0, await connection.ExecuteAsync("UPDATE res_users SET name = 'x'"));
        Assert.Equal(0, await connection.ExecuteAsync("DELETE FROM res_users"));
    }

    [Theory]
    [InlineData("""{"tenant_id": "tbwa", "role": "authenticated"}""", 1)]
    [InlineData("""{"tenant_id": "scout"}""", 0)]
    [InlineData("""{"tenant_id": ""}""", 0)]
    [InlineData("""{"role": "authenticated"}""", 0)]
    [InlineData("", 0)]
    public async Task The_PostgREST_pre_request_function_takes_the_tenant_from_the_JWT_claim_for_the_transaction_only(string claims, int tbwaAdmins)
    {
        var platform = await PlatformAsync();
        await using var connection = await AppPool(platform, "odoo_tbwa").OpenConnectionAsync();

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            // What PostgREST does per request: the claims as a transaction setting, then its db-pre-request function.
            await connection.ExecuteAsync("SELECT set_config('request.jwt.claims', @claims, true)", new { claims }, transaction);
            await connection.ExecuteAsync("SELECT ipai.set_tenant_from_jwt()", transaction: transaction);
            Assert.Equal(tbwaAdmins, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM res_users WHERE login = 'admin'", transaction: transaction));
            Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM res_users WHERE tenant_id <> 'tbwa'", transaction: transaction));
            await transaction.RollbackAsync();
        }
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM res_users"));
    }

    [Fact]
    public async Task Malformed_JWT_claims_fail_the_request_instead_of_reading_as_no_tenant()
    {
        var platform = await PlatformAsync();
        await using var connection = await AppPool(platform, "odoo_tbwa").OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await connection.ExecuteAsync("SELECT set_config('request.jwt.claims', '{not json', true)", transaction: transaction);

        var error = await Assert.ThrowsAsync<PostgresException>(() => connection.ExecuteAsync("SELECT ipai.set_tenant_from_jwt()", transaction: transaction));

        Assert.Equal(PostgresErrorCodes.InvalidTextRepresentation, error.SqlState);
    }

    [Fact]
    public async Task A_unit_of_work_not_committed_is_rolled_back()
    {
        var platform = await PlatformAsync();
        var access = platform.Get<TenantDataAccess>();
        await using (var uow = await access.BeginAsync(await TenantAsync(platform, "acme"), TenantStore.Database, CancellationToken.None))
        {
            await uow.Connection.ExecuteAsync("INSERT INTO res_groups (name) VALUES ('Rolled back')", transaction: uow.Transaction);
        }
        await using (var uow = await access.BeginAsync(await TenantAsync(platform, "acme"), TenantStore.Database, CancellationToken.None))
        {
            Assert.Equal(0, await uow.Connection.ExecuteScalarAsync<long>("SELECT count(*) FROM res_groups WHERE name = 'Rolled back'", transaction: uow.Transaction));
        }
    }

    [Fact]
    public async Task A_tenant_cannot_learn_another_tenants_keys_through_a_unique_violation()
    {
        var platform = await PlatformAsync();
        var access = platform.Get<TenantDataAccess>();
        // platform and scout share odoo_platform: scout's admin user exists in the same table.
        await using (var uow = await access.BeginAsync(await TenantAsync(platform, "scout"), TenantStore.Database, CancellationToken.None))
        {
            Assert.Equal(1, await uow.Connection.ExecuteScalarAsync<long>("SELECT count(*) FROM res_users WHERE login = 'admin'", transaction: uow.Transaction));
        }
        await using (var uow = await access.BeginAsync(await TenantAsync(platform, "retail2"), TenantStore.Database, CancellationToken.None))
        {
            await uow.Connection.ExecuteAsync("INSERT INTO res_groups (name) VALUES ('Managers')", transaction: uow.Transaction);
            await uow.CommitAsync(CancellationToken.None);
        }
        await using (var uow = await access.BeginAsync(await TenantAsync(platform, "scout"), TenantStore.Database, CancellationToken.None))
        {
            // The same name as retail2's group: no unique violation, since keys are unique per (tenant_id, …).
            Assert.Equal(1, await uow.Connection.ExecuteAsync("INSERT INTO res_groups (name) VALUES ('Managers')", transaction: uow.Transaction));
            // And the same in the schema store: tbwa's seeded ATC codes do not block acme's.
        }
        await using (var uow = await access.BeginAsync(await TenantAsync(platform, "acme"), TenantStore.Schema, CancellationToken.None))
        {
            Assert.Equal(1, await uow.Connection.ExecuteAsync(
                "INSERT INTO ppm_agency (code, name, tin) VALUES ('TBWA', 'Same code as elsewhere', '111-222-333')", transaction: uow.Transaction));
        }
        await using var admin = new NpgsqlConnection(postgres.ConnectionString("odoo_platform"));
        await admin.OpenAsync();
        var uniqueKeys = await admin.QueryAsync<string>("""
            SELECT c.conrelid::regclass::text || ' ' || c.conname FROM pg_constraint c
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'u' AND c.connamespace = 'public'::regnamespace AND a.attname <> 'tenant_id'
              AND EXISTS (SELECT 1 FROM pg_attribute t WHERE t.attrelid = c.conrelid AND t.attname = 'tenant_id')
            """);
        Assert.Empty(uniqueKeys); // every unique key of a tenant table leads with tenant_id
    }
}
