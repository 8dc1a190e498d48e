using InsightPulse.Core.Audit;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Superset;
using InsightPulse.Core.Bootstrap;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Demo;
using InsightPulse.Core.Events;
using InsightPulse.Core.Finance;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.ScoutData;
using InsightPulse.Core.Servers;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;
using InsightPulse.Core.Verification;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace InsightPulse.Core;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Core services, shared by the CLI and the web host. POSTGRES_URL and POSTGRES_URL_NON_POOLING (environment or
    /// configuration) select an external server; without them the managed cluster under <c>Local:Home</c> is used.
    /// </summary>
    public static IServiceCollection AddInsightPulseCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(configuration);
        services.AddOptions<PlatformOptions>().BindConfiguration(PlatformOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ConnectionOptions>().BindConfiguration(ConnectionOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<LocalOptions>().BindConfiguration(LocalOptions.Section);
        services.AddSingleton(sp =>
        {
            var local = sp.GetRequiredService<IOptions<LocalOptions>>().Value;
            return new ManagedCluster(local.ResolveHome(), local.PgBinDir);
        });
        services.AddSingleton(sp => new PlatformEnvironmentSource(
            sp.GetRequiredService<IOptions<PlatformOptions>>(),
            sp.GetRequiredService<ManagedCluster>(),
            configuration[PlatformEnvironment.PooledUrlVariable],
            configuration[PlatformEnvironment.DirectUrlVariable]));
        services.AddSingleton<PlatformDatabases>();
        services.AddOptions<EventOptions>().BindConfiguration(EventOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SchemaEventOutbox>();
        services.AddSingleton(sp => new WebhookSecrets(sp.GetRequiredService<ManagedCluster>().Secrets, Environment.GetEnvironmentVariable));
        services.AddSingleton<WebhookRegistry>();
        // One client for every delivery; each attempt has its own deadline (Events:TimeoutSeconds).
        services.AddSingleton(_ => new WebhookSender(new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
        }) { Timeout = Timeout.InfiniteTimeSpan }));
        services.AddSingleton<WebhookDeliveries>();
        services.AddSingleton<TenantRegistry>();
        // The audit trail; its writer logs a row it could not write (the web host's providers, the CLI's standard error).
        services.AddLogging();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<ServerRegistry>();
        services.AddSingleton<ServerPlacement>();
        services.AddSingleton<TenantSeedLoader>();
        services.AddSingleton(ModuleCatalog.Embedded);
        services.AddSingleton(sp => new AdminPassword(sp.GetRequiredService<ManagedCluster>().Secrets, configuration["ODOO_ADMIN_PASSWORD"]));
        services.AddSingleton(_ => FaultInjection.FromEnvironment());
        services.AddSingleton<TenantModules>();
        services.AddSingleton<DatabaseTemplates>();
        services.AddSingleton<DashboardTemplates>();
        services.AddSingleton<BiWorkspaceInstaller>();
        services.AddOptions<BiOptions>().BindConfiguration(BiOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<BiMetadata>();
        // An external Superset: its login (secret or SUPERSET_USERNAME/PASSWORD), sessions, and the connections we serve as one.
        services.AddSingleton(sp => new SupersetCredentials(sp.GetRequiredService<ManagedCluster>().Secrets, configuration["SUPERSET_USERNAME"], configuration["SUPERSET_PASSWORD"]));
        services.AddSingleton<SupersetSessions>();
        services.AddSingleton<ExternalBiWorkspace>();
        services.AddSingleton<BiDatabases>();
        services.AddSingleton<BiObjects>();
        services.AddSingleton<DashboardRegistry>();
        services.AddSingleton<ChartDataService>();
        services.AddSingleton<DatasetRefresh>();
        services.AddSingleton<TenantProvisioner>();
        services.AddSingleton<TenantArchiver>();
        services.AddSingleton<TenantMover>();
        services.AddSingleton<FleetMigrator>();
        services.AddSingleton<TenantVerifier>();
        services.AddSingleton<VerificationLog>();
        services.AddSingleton<RuntimeRoleGuard>();
        services.AddSingleton<TenantDataAccess>();
        services.AddSingleton<IsolationLint>();
        services.AddSingleton<PlatformBootstrapper>();
        services.AddSingleton<PlatformStatusReader>();
        services.AddSingleton<PlatformDoctor>();
        services.AddSingleton<ScoutSeeder>();
        services.TryAddSingleton(LockoutPolicy.Default);
        services.AddSingleton<WebSessions>();
        services.AddSingleton<TenantUserDirectory>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AgencyStore>();
        services.AddSingleton<ProjectStore>();
        services.AddSingleton<ExpenseReportStore>();
        services.AddSingleton<ExpenseLineStore>();
        services.AddSingleton<DemoData>();
        return services;
    }
}
