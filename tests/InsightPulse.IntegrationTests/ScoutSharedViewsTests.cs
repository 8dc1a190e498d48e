using Dapper;
using Npgsql;

namespace InsightPulse.IntegrationTests;

/// <summary>The k-anonymous shared views of the scout databank (0003_shared_aggregates.sql), read as ipai_app and ipai_bi.</summary>
[Collection(Lanes.B)]
public sealed class ScoutSharedViewsTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string App = "ipai_app";
    private const string Bi = "ipai_bi";
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await ScoutScope.CreateAsync(postgres);
        // Cells (region, category, brand, March 2025): Bear Brand in NCR by 3 tenants, Nescafé in Davao by 3,
        // Kopiko in Davao by 2 (t1, t2) only. Every tenant's figures differ, so a leaked figure would be recognisable.
        await using var owner = await OpenOwnerAsync();
        await InsertAsync(owner, "t1", "NCR", "Milk", "Bear Brand", 2, 101.25m);
        await InsertAsync(owner, "t2", "NCR", "Milk", "Bear Brand", 3, 202.50m);
        await InsertAsync(owner, "t3", "NCR", "Milk", "Bear Brand", 4, 303.75m);
        await InsertAsync(owner, "t1", "Davao Region", "Coffee", "Nescafé", 1, 14.00m);
        await InsertAsync(owner, "t2", "Davao Region", "Coffee", "Nescafé", 5, 28.00m);
        await InsertAsync(owner, "t3", "Davao Region", "Coffee", "Nescafé", 6, 42.00m);
        await InsertAsync(owner, "t1", "Davao Region", "Coffee", "Kopiko", 7, 70.00m);
        await InsertAsync(owner, "t2", "Davao Region", "Coffee", "Kopiko", 8, 90.00m);
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private async Task<NpgsqlConnection> OpenOwnerAsync()
    {
        var connection = new NpgsqlConnection(postgres.ConnectionString("postgres"));
        await connection.OpenAsync();
        return connection;
    }

    private static Task<int> InsertAsync(NpgsqlConnection owner, string tenant, string region, string category, string brand, int rows, decimal peso) =>
        owner.ExecuteAsync("""
            INSERT INTO scout.scout_transactions (tenant_id, store_id, timestamp, time_of_day, region, province, city, store_type,
                economic_class, product_category, brand_name, sku, units_per_transaction, peso_value, basket_size)
            SELECT @tenant, 'S1', '2025-03-10 09:00+08'::timestamptz + g * interval '1 minute', 'morning', @region, 'P', 'C', 'sari_sari',
                'D', @category, @brand, 'SKU-' || @brand, 1, @peso, 1
            FROM generate_series(1, @rows) g
            """, new { tenant, region, category, brand, rows, peso });

    private sealed record BrandRow(string BrandName, DateTime Month, long TenantCount, long TransactionCount, decimal TotalPesoValue);

    private sealed record RegionRow(string Region, string ProductCategory, long TenantCount, long TransactionCount, decimal TotalPesoValue);

    private Task<List<BrandRow>> BrandsAsync(string role, string? tenant) =>
        ScoutScope.AsTenantAsync(_platform, role, tenant, async (c, t) => (await c.QueryAsync<BrandRow>(
            "SELECT brand_name AS BrandName, month::timestamp AS Month, tenant_count AS TenantCount, transaction_count AS TransactionCount, total_peso_value AS TotalPesoValue FROM scout.shared_retail_brand_month ORDER BY brand_name", transaction: t)).ToList());

    private Task<List<RegionRow>> RegionsAsync(string role, string? tenant) =>
        ScoutScope.AsTenantAsync(_platform, role, tenant, async (c, t) => (await c.QueryAsync<RegionRow>(
            "SELECT region, product_category AS ProductCategory, tenant_count AS TenantCount, transaction_count AS TransactionCount, total_peso_value AS TotalPesoValue FROM scout.shared_retail_region_category_month ORDER BY region", transaction: t)).ToList());

    [Fact]
    public async Task A_group_of_three_tenants_is_shown_and_a_group_of_two_is_absent_everywhere()
    {
        foreach (var (source, tenant) in new[] { (App, (string?)"t1"), (Bi, "t3"), (App, null) })
        {
            var brands = await BrandsAsync(source, tenant);
            Assert.Equal(["Bear Brand", "Nescafé"], brands.Select(b => b.BrandName));
            Assert.All(brands, b => Assert.Equal(3, b.TenantCount));
            Assert.All(brands, b => Assert.Equal(new DateTime(2025, 3, 1), b.Month));
            Assert.Equal((9, 2 * 101.25m + 3 * 202.50m + 4 * 303.75m), (brands[0].TransactionCount, brands[0].TotalPesoValue));

            // The Davao coffee group spans 3 tenants, but only the Nescafé cell is: Kopiko (2 tenants) is not in
            // its totals either, so no difference of two views gives the Kopiko figures.
            var regions = await RegionsAsync(source, tenant);
            var davao = Assert.Single(regions, r => r.Region == "Davao Region");
            Assert.Equal((12L, 1 * 14.00m + 5 * 28.00m + 6 * 42.00m), (davao.TransactionCount, davao.TotalPesoValue));
            Assert.Equal(2, regions.Count);
        }
    }

    [Fact]
    public async Task No_figure_of_a_single_tenant_can_be_read_from_the_shared_views()
    {
        await using var owner = await OpenOwnerAsync();
        // Every per-tenant figure at every grain the views have (cell, brand × month, region × category × month).
        var perTenant = (await owner.QueryAsync<(long Count, decimal Value)>("""
            SELECT count(*), sum(peso_value) FROM scout.scout_transactions GROUP BY tenant_id, region, product_category, brand_name
            UNION ALL SELECT count(*), sum(peso_value) FROM scout.scout_transactions GROUP BY tenant_id, brand_name
            UNION ALL SELECT count(*), sum(peso_value) FROM scout.scout_transactions GROUP BY tenant_id, region, product_category
            """)).ToList();
        var shown = (await BrandsAsync(App, "t1")).Select(b => (b.TransactionCount, b.TotalPesoValue))
            .Concat((await RegionsAsync(App, "t1")).Select(r => (r.TransactionCount, r.TotalPesoValue))).ToList();

        Assert.NotEmpty(shown);
        Assert.DoesNotContain(shown, s => perTenant.Any(p => p.Count == s.TransactionCount || p.Value == s.TotalPesoValue));
        // t1 subtracting its own figures still sees two tenants mixed, never one.
        var nescafe = (await BrandsAsync(App, "t1")).Single(b => b.BrandName == "Nescafé");
        Assert.NotEqual(28.00m * 5, nescafe.TotalPesoValue - 14.00m);
        Assert.NotEqual(42.00m * 6, nescafe.TotalPesoValue - 14.00m);
    }

    [Fact]
    public async Task Tenants_see_only_their_rows_and_cannot_reach_the_per_tenant_helper_or_the_setting()
    {
        Assert.Equal(["t1"], await ScoutScope.AsTenantAsync(_platform, App, "t1", async (c, t) =>
            (await c.QueryAsync<string>("SELECT DISTINCT tenant_id FROM scout.scout_transactions", transaction: t)).ToList()));
        Assert.Equal(3 + 5 + 8, await ScoutScope.AsTenantAsync(_platform, Bi, "t2", (c, t) =>
            c.ExecuteScalarAsync<int>("SELECT count(*) FROM scout.scout_transactions", transaction: t)));
        Assert.Equal(0, await ScoutScope.AsTenantAsync(_platform, App, null, (c, t) =>
            c.ExecuteScalarAsync<int>("SELECT count(*) FROM scout.scout_transactions", transaction: t)));

        foreach (var source in new[] { App, Bi })
        {
            foreach (var relation in new[] { "scout.shared_retail_cells_internal", "scout.scout_shared_config" })
            {
                var denied = await Assert.ThrowsAsync<PostgresException>(() =>
                    ScoutScope.AsTenantAsync(_platform, source, "t1", (c, t) => c.ExecuteScalarAsync<int>($"SELECT count(*) FROM {relation}", transaction: t)));
                Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
            }
            var update = await Assert.ThrowsAsync<PostgresException>(() =>
                ScoutScope.AsTenantAsync(_platform, source, "t1", (c, t) => c.ExecuteAsync("UPDATE scout.scout_shared_config SET min_tenants = 3", transaction: t)));
            // The BI role's units of work are read-only before any privilege is checked.
            Assert.Equal(source == Bi ? PostgresErrorCodes.ReadOnlySqlTransaction : PostgresErrorCodes.InsufficientPrivilege, update.SqlState);
        }
    }

    [Fact]
    public async Task The_operator_sets_k_and_cannot_set_it_below_three()
    {
        await using var owner = await OpenOwnerAsync();
        await owner.ExecuteAsync("UPDATE scout.scout_shared_config SET min_tenants = 4");
        Assert.Empty(await BrandsAsync(App, "t1"));
        Assert.Empty(await RegionsAsync(Bi, "t1"));

        var refused = await Assert.ThrowsAsync<PostgresException>(() => owner.ExecuteAsync("UPDATE scout.scout_shared_config SET min_tenants = 2"));
        Assert.Equal(PostgresErrorCodes.CheckViolation, refused.SqlState);
        await owner.ExecuteAsync("UPDATE scout.scout_shared_config SET min_tenants = 3");
        Assert.Equal(2, (await BrandsAsync(App, "t1")).Count);
    }

    [Fact]
    public async Task The_shared_views_are_the_only_owner_rights_views_and_no_security_definer_function_is_executable_by_the_runtime_roles()
    {
        await using var owner = await OpenOwnerAsync();
        var ownerRights = (await owner.QueryAsync<string>("""
            SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'scout' AND c.relkind = 'v'
              AND NOT coalesce('security_invoker=true' = ANY (c.reloptions) OR 'security_invoker=on' = ANY (c.reloptions), false)
            ORDER BY 1
            """)).ToList();
        Assert.Equal(["shared_retail_brand_month", "shared_retail_cells_internal", "shared_retail_region_category_month"], ownerRights);
        Assert.All(ownerRights, v => Assert.StartsWith("shared_", v, StringComparison.Ordinal));
        var readable = (await owner.QueryAsync<string>("""
            SELECT v FROM unnest(@views) v WHERE has_table_privilege('ipai_app', 'scout.' || v, 'SELECT') OR has_table_privilege('ipai_bi', 'scout.' || v, 'SELECT') ORDER BY 1
            """, new { views = ownerRights.ToArray() })).ToList();
        Assert.Equal(["shared_retail_brand_month", "shared_retail_region_category_month"], readable);
        Assert.Equal(0, await owner.ExecuteScalarAsync<int>("""
            SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname IN ('scout', 'ipai') AND p.prosecdef
            """));
    }
}
