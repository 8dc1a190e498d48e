using Dapper;
using InsightPulse.Core.Tenants;

namespace InsightPulse.IntegrationTests;

/// <summary>The seed document's own troubleshooting statement, run as written against our table.</summary>
[Collection(Lanes.A)]
public sealed class SeedInsertTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string SeedInsert = """
        INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, active, create_date, write_date)
        VALUES ('tbwa', 'TBWA Philippines', 'odoo_tbwa', 'tbwa', true, NOW(), NOW());
        """;

    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.MigrateOnlyAsync();
    }
    public async Task DisposeAsync() => await _platform.DisposeAsync();

    [Fact]
    public async Task The_seed_insert_works_on_an_empty_registry_and_the_row_is_a_normal_tenant()
    {
        await using (var connection = await _platform.OpenPlatformAsync())
        {
            Assert.Equal(1, await connection.ExecuteAsync(SeedInsert));
        }

        var show = await _platform.CliAsync("tenant", "show", "tbwa", "--json");
        Assert.Equal(0, show.ExitCode);
        var tbwa = show.Json();
        Assert.Equal("draft", tbwa.GetProperty("state").GetString());
        Assert.Equal("tbwa", tbwa.GetProperty("superset_workspace").GetString());
        Assert.Equal("advertising", tbwa.GetProperty("industry").GetString());
        Assert.Equal("PH", tbwa.GetProperty("country").GetString());
        Assert.True(tbwa.GetProperty("id").GetInt64() > 0);

        var update = await _platform.CliAsync("tenant", "update", "tbwa", "--domain", "tbwa.erp.insightpulseai.com", "--json");
        Assert.Equal(0, update.ExitCode);
        Assert.Equal("tbwa.erp.insightpulseai.com", update.Json().GetProperty("primary_domain").GetString());
        var list = await _platform.CliAsync("tenant", "list");
        Assert.Contains("TBWA Philippines", list.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Seeds_loaded_after_the_seed_insert_keep_the_operators_row_and_add_the_others()
    {
        await using (var connection = await _platform.OpenPlatformAsync())
        {
            await connection.ExecuteAsync(SeedInsert);
            await connection.ExecuteAsync("UPDATE ipai_tenant SET notes = 'entered by hand' WHERE code = 'tbwa'");
        }

        var loaded = await _platform.Get<TenantSeedLoader>().LoadAsync(CancellationToken.None);

        Assert.Equal(["platform", "scout"], loaded);
        var tbwa = await _platform.Registry.GetAsync("tbwa", CancellationToken.None);
        Assert.Equal("entered by hand", tbwa.Notes);
        Assert.Null(tbwa.PrimaryDomain);
    }

    [Fact]
    public async Task The_same_insert_a_second_time_is_refused_as_a_duplicate_code()
    {
        await using var connection = await _platform.OpenPlatformAsync();
        await connection.ExecuteAsync(SeedInsert);

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => connection.ExecuteAsync(SeedInsert));

        Assert.Equal("23505", error.SqlState);
        Assert.Equal("ipai_tenant_code_key", error.ConstraintName);
    }
}
