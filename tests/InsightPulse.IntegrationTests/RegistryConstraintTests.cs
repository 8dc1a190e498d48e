using Dapper;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>
/// The database refuses what TenantRules refuses, even when SQL bypasses the CLI (second line of defence). One
/// platform for the class (the seed tenants registered); each test's SQL runs in a transaction that is rolled back
/// when the test ends, and each statement expected to fail runs under a savepoint, so the next one still runs.
/// </summary>
[Collection(Lanes.C)]
public sealed class RegistryConstraintTests(PostgresFixture postgres, SharedPlatform shared) : IClassFixture<SharedPlatform>, IAsyncLifetime
{
    private PlatformScope _platform = null!;
    private NpgsqlConnection _connection = null!;
    private NpgsqlTransaction _transaction = null!;

    public async Task InitializeAsync()
    {
        _platform = await shared.GetAsync(postgres, platform => platform.UpAsync());
        _connection = await _platform.OpenPlatformAsync();
        _transaction = await _connection.BeginTransactionAsync();
    }

    public async Task DisposeAsync()
    {
        await _transaction.RollbackAsync();
        await _connection.DisposeAsync();
    }

    private Task<int> ExecuteAsync(string sql) => _connection.ExecuteAsync(sql, transaction: _transaction);

    /// <summary>Runs a statement that must fail, under a savepoint; the PostgreSQL error it failed with.</summary>
    private async Task<PostgresException> FailsAsync(string sql, object? param = null)
    {
        await _transaction.SaveAsync("expected_failure");
        var error = await Assert.ThrowsAsync<PostgresException>(() => _connection.ExecuteAsync(sql, param, _transaction));
        await _transaction.RollbackAsync("expected_failure");
        return error;
    }

    private Task<PostgresException> InsertFailsAsync(string code, string schema, string? domain = null, string? email = null,
        string country = "PH", string industry = "advertising", string? db = null) =>
        FailsAsync("""
            INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, primary_domain, admin_email, country, industry)
            VALUES (@code, 'x', @db, @schema, @domain, @email, @country, @industry)
            """, new { code, schema, domain, email, country, industry, db = db ?? "odoo_" + code.ToLowerInvariant().Replace('-', '_') });

    [Theory]
    [InlineData("Test-123")]
    [InlineData("TBWA")]
    [InlineData("tbwa ")]
    [InlineData("1abc")]
    [InlineData("select")]
    [InlineData("pg_x")]
    [InlineData("public")]
    [InlineData("tbwа")] // Cyrillic а
    [InlineData("a2345678901234567890123456789012345678901234567890123456789")] // 59 characters
    public async Task A_code_the_rules_refuse_is_refused_by_the_table(string code)
    {
        var error = await InsertFailsAsync(code, "schema_x", db: "db_x");
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.Equal("ipai_tenant_code_format", error.ConstraintName);
    }

    [Theory]
    [InlineData("public")]
    [InlineData("information_schema")]
    [InlineData("auth")]
    [InlineData("storage")]
    [InlineData("extensions")]
    [InlineData("pg_catalog")]
    [InlineData("user")]
    [InlineData("Tbwa")]
    [InlineData("tb-wa")]
    public async Task A_reserved_or_malformed_schema_is_refused_by_the_table(string schema)
    {
        var error = await InsertFailsAsync("acme", schema);
        Assert.Equal("ipai_tenant_supabase_schema_format", error.ConstraintName);
    }

    [Fact]
    public async Task Schema_public_is_the_platform_tenants_alone()
    {
        var platform = await _platform.Registry.GetAsync("platform", CancellationToken.None);
        Assert.Equal("public", platform.SupabaseSchema);
    }

    [Theory]
    [InlineData("ACME.example.com", "ipai_tenant_primary_domain_format")]
    [InlineData("acme.example.com.", "ipai_tenant_primary_domain_format")]
    [InlineData("-acme.example.com", "ipai_tenant_primary_domain_format")]
    [InlineData("https://acme.example.com", "ipai_tenant_primary_domain_format")]
    [InlineData("tbwa.erp.insightpulseai.com", "ipai_tenant_primary_domain_key")]
    public async Task A_malformed_or_taken_domain_is_refused_by_the_table(string domain, string constraint)
    {
        var error = await InsertFailsAsync("acme", "acme", domain: domain);
        Assert.Equal(constraint, error.ConstraintName);
    }

    [Theory]
    [InlineData("no-at-sign")]
    [InlineData("a@b")]
    [InlineData("a b@example.com")]
    [InlineData("a@EXAMPLE.com")]
    public async Task A_malformed_email_is_refused_by_the_table(string email)
    {
        var error = await InsertFailsAsync("acme", "acme", email: email);
        Assert.Equal("ipai_tenant_admin_email_format", error.ConstraintName);
    }

    [Fact]
    public async Task An_unknown_country_is_refused_by_the_table()
    {
        var error = await InsertFailsAsync("acme", "acme", country: "XX");
        Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, error.SqlState);
    }

    [Fact]
    public async Task An_unknown_industry_is_refused_by_the_table()
    {
        var error = await InsertFailsAsync("acme", "acme", industry: "mining");
        Assert.Equal("ipai_tenant_industry_known", error.ConstraintName);
    }

    [Fact]
    public async Task A_database_is_shared_only_when_it_is_the_platform_database()
    {
        await ExecuteAsync("INSERT INTO ipai_tenant (code, name, db_name, supabase_schema) VALUES ('shared', 'Shared', 'odoo_platform', 'shared')");

        var error = await InsertFailsAsync("acme", "acme", db: "odoo_tbwa");

        Assert.Equal("ipai_tenant_db_name_key", error.ConstraintName);
    }

    [Fact]
    public async Task A_database_named_like_a_provisioning_template_is_refused_by_the_table()
    {
        var error = await InsertFailsAsync("acme", "acme", db: "ipai_template_0123456789abcdef");

        Assert.Equal("ipai_tenant_db_name_format", error.ConstraintName);
    }

    [Fact]
    public async Task A_tenant_code_never_changes()
    {
        var error = await FailsAsync("UPDATE ipai_tenant SET code = 'tbwa2' WHERE code = 'tbwa'");
        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.Contains("cannot change", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_illegal_lifecycle_move_is_refused_by_the_table_and_a_legal_one_passes()
    {
        var error = await FailsAsync("UPDATE ipai_tenant SET state = 'active' WHERE code = 'tbwa'");
        Assert.Contains("cannot move from draft to active", error.MessageText, StringComparison.Ordinal);

        Assert.Equal(1, await ExecuteAsync("UPDATE ipai_tenant SET state = 'provisioning' WHERE code = 'tbwa'"));
        await FailsAsync("UPDATE ipai_tenant SET db_name = 'odoo_tbwa2' WHERE code = 'tbwa'");
    }

    [Fact]
    public async Task The_registry_enforces_the_same_lifecycle_with_a_clear_message()
    {
        // The registry commits on connections of its own: this test puts tbwa back to draft when it ends.
        var registry = _platform.Registry;
        try
        {
            var error = await Assert.ThrowsAsync<InvalidTenantStateException>(() => registry.SetStateAsync("tbwa", TenantState.Suspended, CancellationToken.None));
            Assert.Contains("'tbwa' is draft and cannot become suspended", error.Message, StringComparison.Ordinal);

            var provisioning = await registry.SetStateAsync("tbwa", TenantState.Provisioning, CancellationToken.None);
            Assert.Equal(TenantState.Provisioning, provisioning.State);
            var active = await registry.SetStateAsync("tbwa", TenantState.Active, CancellationToken.None);
            Assert.Equal(TenantState.Active, active.State);
            Assert.True(active.WriteDate >= provisioning.WriteDate);
        }
        finally
        {
            if ((await registry.GetAsync("tbwa", CancellationToken.None)).State == TenantState.Active) await registry.SetStateAsync("tbwa", TenantState.Provisioning, CancellationToken.None);
            if ((await registry.GetAsync("tbwa", CancellationToken.None)).State == TenantState.Provisioning) await registry.SetStateAsync("tbwa", TenantState.Draft, CancellationToken.None);
            Assert.Equal(TenantState.Draft, (await registry.GetAsync("tbwa", CancellationToken.None)).State);
        }
    }

    [Fact]
    public async Task Every_reserved_key_word_of_this_server_is_reserved_in_CSharp_and_in_SQL()
    {
        var keywords = (await _connection.QueryAsync<string>("SELECT word FROM pg_get_keywords() WHERE catcode IN ('R', 'T')", transaction: _transaction)).ToList();

        Assert.NotEmpty(keywords);
        Assert.All(keywords, word => Assert.True(ReservedNames.IsReserved(word), $"{word} is not reserved in ReservedNames.cs"));
        var notReservedInSql = await _connection.QueryAsync<string>(
            "SELECT word FROM unnest(@words) AS word WHERE NOT ipai_is_reserved_name(word)", new { words = keywords.ToArray() });
        Assert.Empty(notReservedInSql);
        Assert.False(await _connection.ExecuteScalarAsync<bool>("SELECT ipai_is_reserved_name('tbwa')"));
    }

    [Fact]
    public async Task The_registry_has_every_field_of_the_seed_and_an_internal_id()
    {
        var columns = (await _connection.QueryAsync<string>(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'ipai_tenant' ORDER BY ordinal_position")).ToList();

        Assert.Equal(
            ["id", "code", "name", "sequence", "active", "state", "db_name", "supabase_schema", "primary_domain", "superset_workspace",
             "superset_base_url", "company_name", "industry", "country", "admin_email", "admin_phone", "onboarded_date", "notes",
             "create_date", "write_date", "server"],
            columns);
    }
}
