using System.Text.Json;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Bi.Superset;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Demo;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Bi;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace InsightPulse.Web.Tests;

/// <summary>
/// A tenant pointed at an external Superset, end to end over real HTTP: the external Superset is a second instance of
/// our web host on a platform of its own (its own throwaway PostgreSQL server, since a platform's names are one per
/// server), reached at <c>http://localhost:PORT</c> (its platform tenant) with its <c>bi_service</c> login.
/// Provisioning the tenant on the first platform makes there the connection, datasets, dashboard, charts, tag and
/// embedded configuration; a second run changes nothing; the tenant's Dashboards page embeds the dashboard from the
/// second host, whose charts read the first platform's data over that connection.
/// </summary>
[Collection(Lanes.Browser)]
public sealed class ExternalSupersetTests(PostgresFixture postgres, BrowserPlatform web) : IAsyncLifetime
{
    private const string Code = "extbi";
    private readonly PostgresFixture _externalPostgres = new();
    private PlatformScope _external = null!;
    private WebApplication _externalHost = null!;
    private string _baseUrl = null!;

    public async Task InitializeAsync()
    {
        await web.GetAsync(postgres);
        await _externalPostgres.InitializeAsync();
        _external = await PlatformScope.CreateAsync(_externalPostgres);
        await _external.UpAsync();
        var platform = await _external.Get<TenantProvisioner>().ProvisionAsync(Tenant.PlatformCode, new TenantProvisioner.Options(), null, null, CancellationToken.None);
        Assert.DoesNotContain(platform.Steps, s => s.Failed);
        _externalHost = InsightPulseWeb.Build(new ConfigurationBuilder().AddInMemoryCollection(_external.Settings).Build(), "http://127.0.0.1:0", quiet: true);
        await _externalHost.StartAsync();
        _baseUrl = $"http://localhost:{new Uri(_externalHost.Urls.Single()).Port}";

        // The first platform signs in there as that platform tenant's service account: a secret of its own, mode 0600.
        var password = _externalHost.Services.GetRequiredService<BiServiceAccounts>().PasswordOf(Tenant.PlatformCode);
        web.Services.GetRequiredService<ManagedCluster>().Secrets.Write(SupersetCredentials.SecretName(new Uri(_baseUrl)), $"{BiServiceAccount.Username}:{password}");
    }

    public async Task DisposeAsync()
    {
        // The shared browser platform is left as the other classes expect it: without this class's tenant and secret.
        await web.Services.GetRequiredService<TenantArchiver>().DeleteAllAsync(Code, null, CancellationToken.None);
        web.Services.GetRequiredService<SupersetSessions>().Forget(_baseUrl);
        web.Services.GetRequiredService<ManagedCluster>().Secrets.Delete(SupersetCredentials.SecretName(new Uri(_baseUrl)));
        await _externalHost.StopAsync();
        await _externalHost.DisposeAsync();
        await _external.DisposeAsync();
        await _externalPostgres.DisposeAsync();
    }

    [Fact]
    public async Task A_tenant_pointed_at_another_host_is_provisioned_there_once_and_its_dashboard_embeds_from_it()
    {
        var registry = web.Services.GetRequiredService<TenantRegistry>();
        await registry.CreateAsync(Tenant.New(Code, "External BI tenant") with { SupersetBaseUrl = _baseUrl }, CancellationToken.None);
        await web.Services.GetRequiredService<TenantModules>().AddAsync(Code, "ipai_finance_ppm", CancellationToken.None);
        var provisioner = web.Services.GetRequiredService<TenantProvisioner>();

        var first = await provisioner.ProvisionAsync(Code, new TenantProvisioner.Options(), null, null, CancellationToken.None);
        Assert.DoesNotContain(first.Steps, s => s.Failed);
        var step = first.Steps.Single(s => s.Step == "bi_workspace");
        Assert.True(step.Acted, step.Detail);
        Assert.Contains(_baseUrl, step.Detail, StringComparison.Ordinal);
        await web.Services.GetRequiredService<DemoData>().LoadAsync(Code, CancellationToken.None);

        // What the second host now has in its platform tenant's workspace.
        var template = web.Services.GetRequiredService<DashboardTemplates>().All.Single(t => t.Slug == "agency-finance");
        var metadata = _externalHost.Services.GetRequiredService<BiMetadata>();
        var connections = await _externalHost.Services.GetRequiredService<BiDatabases>().ListAsync(Tenant.PlatformCode, null, CancellationToken.None);
        var connection = Assert.Single(connections, c => c.DatabaseName == $"ipai {Code} schema");
        Assert.Equal("ipai_bi", connection.Username);
        Assert.Equal($"-c app.tenant_id={Code}", connection.Options);
        var dashboard = (await metadata.DashboardAsync(Tenant.PlatformCode, $"{Code}-agency-finance", CancellationToken.None))!;
        Assert.NotNull(dashboard);
        Assert.True(dashboard.Embedded);
        Assert.Contains($"{Code}.localhost", dashboard.AllowedDomains);
        var charts = await metadata.ChartsAsync(Tenant.PlatformCode, dashboard.Id, CancellationToken.None);
        Assert.Equal(template.Charts.Select(c => c.Key).Order(), charts.Select(c => c.Key).Order());
        var objects = _externalHost.Services.GetRequiredService<BiObjects>();
        var tagged = await objects.TaggedAsync(Tenant.PlatformCode, [$"workspace:{Code}"], CancellationToken.None);
        Assert.Equal(1 + template.Charts.Count() + template.Datasets.Count, tagged.Count);
        Assert.Equal(template.Datasets.Count, (await objects.DatasetsAsync(Tenant.PlatformCode, null, null, connection.Id, CancellationToken.None)).Count);

        // The password of the BI reader never comes back through the API.
        var client = web.Services.GetRequiredService<SupersetSessions>().For(_baseUrl);
        var shown = (await client.GetAsync($"api/v1/database/{connection.Id}", CancellationToken.None))!.Value.GetRawText();
        var biPassword = web.Services.GetRequiredService<ManagedCluster>().Secrets.ReadRequired(PlatformEnvironment.RoleSecret("ipai_bi"));
        Assert.DoesNotContain(biPassword, shown, StringComparison.Ordinal);
        Assert.Contains(SqlAlchemyUri.Mask, shown, StringComparison.Ordinal);

        // The tenant's registry names the remote embedded uuid; ids are recorded.
        var second = await provisioner.ProvisionAsync(Code, new TenantProvisioner.Options(), null, null, CancellationToken.None);
        var again = second.Steps.Single(s => s.Step == "bi_workspace");
        Assert.False(again.Acted, again.Detail);
        Assert.Equal(charts.Count, (await metadata.ChartsAsync(Tenant.PlatformCode, dashboard.Id, CancellationToken.None)).Count);
        Assert.Single(await _externalHost.Services.GetRequiredService<BiDatabases>().ListAsync(Tenant.PlatformCode, null, CancellationToken.None));

        // A run killed after creating but before recording (no ids recorded), with a chart deleted there since: the
        // next run finds everything by name and makes only the missing chart.
        await using (var platformA = await web.Scope.OpenPlatformAsync())
        await using (var clear = new Npgsql.NpgsqlCommand($"DELETE FROM ipai_bi_external_object WHERE tenant_code = '{Code}'", platformA))
        {
            await clear.ExecuteNonQueryAsync();
        }
        var lost = charts.Single(c => c.Key == "total_pending");
        await using (var platformB = await _external.OpenPlatformAsync())
        await using (var drop = new Npgsql.NpgsqlCommand(
            $"DELETE FROM ipai_bi_tagged_object WHERE object_type = 2 AND object_id = {lost.Id}; DELETE FROM ipai_bi_chart WHERE id = {lost.Id}", platformB))
        {
            await drop.ExecuteNonQueryAsync();
        }
        var third = (await provisioner.ProvisionAsync(Code, new TenantProvisioner.Options(), null, null, CancellationToken.None)).Steps.Single(s => s.Step == "bi_workspace");
        Assert.True(third.Acted, third.Detail);
        Assert.Contains("chart agency-finance/total_pending", third.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("database connection", third.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("dataset", third.Detail, StringComparison.Ordinal);
        Assert.Single(await metadata.DashboardsAsync(Tenant.PlatformCode, CancellationToken.None), d => d.Slug == $"{Code}-agency-finance");
        charts = await metadata.ChartsAsync(Tenant.PlatformCode, dashboard.Id, CancellationToken.None);
        Assert.Equal(template.Charts.Count(), charts.Count);
        Assert.False((await provisioner.ProvisionAsync(Code, new TenantProvisioner.Options(), null, null, CancellationToken.None)).Steps.Single(s => s.Step == "bi_workspace").Acted);

        // The tenant's Dashboards page embeds it from the second host, and a chart draws the first platform's rows.
        await using var context = await web.NewContextAsync(1400, 1000);
        var page = await context.NewPageAsync();
        var site = web.Site($"{Code}.localhost");
        await BrowserPlatform.SignInAsync(page, site, "admin", web.AdminPasswordOf(Code));
        var response = await page.GotoAsync($"{site}/dashboards/agency-finance");
        // The page may frame the external host, and tells it its origin (its allowed-domains check reads the Referer).
        var headers = await response!.AllHeadersAsync();
        Assert.Contains($"frame-src 'self' {_baseUrl}", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("strict-origin-when-cross-origin", headers["referrer-policy"]);
        var frameElement = await page.WaitForSelectorAsync("iframe[src*='/embedded/']", new PageWaitForSelectorOptions { State = WaitForSelectorState.Attached });
        Assert.StartsWith($"{_baseUrl}/embedded/{dashboard.EmbeddedUuid}", await frameElement!.GetAttributeAsync("src"), StringComparison.Ordinal);
        var frame = (await frameElement.ContentFrameAsync())!;
        var panel = frame.Locator(".bi-panel:not([hidden])");
        var cards = panel.Locator(".bi-card");
        await Assertions.Expect(cards).ToHaveCountAsync(dashboard.Layout.Tabs[0].Charts.Count, new() { Timeout = 30_000 });
        await Assertions.Expect(panel.Locator(".bi-card[data-state=loading], .bi-card[data-state=idle]")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await Assertions.Expect(panel.Locator(".bi-card[data-state=ready]")).ToHaveCountAsync(dashboard.Layout.Tabs[0].Charts.Count);
        await BrowserPlatform.ScreenshotAsync(page, "dashboard-external-superset");
        // The native filter came through Superset's native_filter_configuration; its values are read over the connection.
        var project = frame.Locator("[data-filter=project]");
        await project.Locator(".bi-select-button").ClickAsync();
        await Assertions.Expect(project.Locator(".bi-option input[value^='DEMO-']").First).ToBeAttachedAsync();

        // A schema change of the tenant (a column renamed away and back): its platform asks the external Superset to
        // refresh the datasets, which marks the chart over that column broken, then heals it.
        var refresh = web.Services.GetRequiredService<DatasetRefresh>();
        await using (var rename = await ColumnRename.StartAsync(postgres, "postgres", Code, "ppm_expense_analysis", "withholding_amount"))
        {
            Assert.Contains($"{template.Datasets.Count} refreshed there", (await refresh.RefreshAsync(Code, CancellationToken.None)).Summary, StringComparison.Ordinal);
            var brokenNow = (await metadata.ChartsAsync(Tenant.PlatformCode, dashboard.Id, CancellationToken.None)).Where(c => c.BrokenReason is not null).Select(c => c.Key).ToList();
            Assert.Contains("withholding_by_atc", brokenNow);
            Assert.DoesNotContain("total_budget", brokenNow);
            await rename.UndoAsync();
        }
        await refresh.RefreshAsync(Code, CancellationToken.None);
        Assert.All(await metadata.ChartsAsync(Tenant.PlatformCode, dashboard.Id, CancellationToken.None), c => Assert.Null(c.BrokenReason));

        // The data really came over the connection: the second host answers the chart with the demo rows' total.
        var budget = charts.Single(c => c.Key == "total_budget");
        var data = await _externalHost.Services.GetRequiredService<ChartDataService>().QueryAsync(
            (await _external.Registry.GetAsync(Tenant.PlatformCode, CancellationToken.None)), budget,
            (await metadata.ChartAsync(Tenant.PlatformCode, budget.Id, CancellationToken.None))!.Value.Dataset, 1, [], null, "", CancellationToken.None);
        Assert.True(Convert.ToDecimal(data.Rows[0][0], System.Globalization.CultureInfo.InvariantCulture) > 0);
    }
}
