using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Tenants;

namespace InsightPulse.IntegrationTests;

/// <summary>Two web nodes' routing tables follow the registry through LISTEN/NOTIFY, without a restart.</summary>
[Collection(Lanes.A)]
public sealed class TenantRouteTableTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        await _platform.UpAsync();
    }

    public async Task DisposeAsync() => await _platform.DisposeAsync();

    private TenantRouteTable NewNode() =>
        new(_platform.Registry, _platform.Get<TenantModules>(), _platform.Get<PlatformDatabases>(), new TenantHostOptions());

    private static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 100 && !condition(); i++) await Task.Delay(50);
        Assert.True(condition(), what);
    }

    [Fact]
    public async Task Every_node_sees_a_new_tenant_a_changed_domain_and_a_deleted_tenant_without_a_restart()
    {
        await using var one = NewNode();
        await using var two = NewNode();
        await one.StartAsync(CancellationToken.None);
        await two.StartAsync(CancellationToken.None);
        Assert.Equal("tbwa", one.Resolve("tbwa.erp.insightpulseai.com")?.Code);
        Assert.Null(two.Resolve("acme.example.com"));

        await _platform.Registry.CreateAsync(Tenant.New("acme", "Acme Corp") with { PrimaryDomain = "acme.example.com" }, CancellationToken.None);
        await EventuallyAsync(() => one.Resolve("acme.example.com")?.Code == "acme" && two.Resolve("acme.example.com")?.Code == "acme", "both nodes route the new tenant");

        await _platform.Registry.UpdateAsync("acme", t => t with { PrimaryDomain = "erp.acme.example.com" }, CancellationToken.None);
        await EventuallyAsync(() => one.Resolve("acme.example.com") is null && two.Resolve("erp.acme.example.com")?.Code == "acme", "both nodes follow the new domain");

        await _platform.Registry.SetStateAsync("tbwa", TenantState.Provisioning, CancellationToken.None);
        await EventuallyAsync(() => one.Resolve("tbwa.localhost")?.State == TenantState.Provisioning, "the state travels too (503 while provisioning)");

        // A change made with plain SQL, behind the registry's back, is announced by the table's trigger.
        await using (var sql = await _platform.OpenPlatformAsync())
        {
            await sql.ExecuteAsync("DELETE FROM ipai_tenant WHERE code = 'acme'");
        }
        await EventuallyAsync(() => one.Resolve("erp.acme.example.com") is null && two.Resolve("acme.localhost") is null, "both nodes drop the deleted tenant");
    }

    [Fact]
    public async Task A_module_added_or_removed_with_sql_reaches_every_node()
    {
        await using var node = NewNode();
        await node.StartAsync(CancellationToken.None);
        Assert.False(node.HasModule("platform", "ipai_finance_ppm"));

        await using var sql = await _platform.OpenPlatformAsync();
        await sql.ExecuteAsync("INSERT INTO ipai_tenant_module (tenant_code, module) VALUES ('platform', 'ipai_finance_ppm')");
        await EventuallyAsync(() => node.HasModule("platform", "ipai_finance_ppm"), "the node sees the added module");

        await sql.ExecuteAsync("DELETE FROM ipai_tenant_module WHERE tenant_code = 'platform'");
        await EventuallyAsync(() => !node.HasModule("platform", "ipai_finance_ppm"), "the node sees the removed module");
    }

    [Fact]
    public async Task A_node_whose_listening_connection_was_killed_reconnects_and_catches_up()
    {
        await using var node = NewNode();
        await node.StartAsync(CancellationToken.None);
        await using (var admin = await _platform.OpenPlatformAsync())
        {
            await admin.ExecuteAsync("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ipai routes'");
            // Changed while the node had no connection: no notification reaches it; its reload on reconnecting must.
            await admin.ExecuteAsync("UPDATE ipai_tenant SET primary_domain = 'scout.example.com' WHERE code = 'scout'");
        }

        await EventuallyAsync(() => node.Resolve("scout.example.com")?.Code == "scout", "the node reloads after reconnecting");
        Assert.True(node.Version >= 2);
    }
}
