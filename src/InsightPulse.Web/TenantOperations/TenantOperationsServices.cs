using InsightPulse.Core.Provisioning;

namespace InsightPulse.Web.TenantOperations;

/// <summary>What the operator console and the tenant API both act through: overview, actions, background provisioning and its live events.</summary>
public static class TenantOperationsServices
{
    public static IServiceCollection AddTenantOperations(this IServiceCollection services)
    {
        services.AddSingleton<ProvisioningJournal>();
        services.AddSingleton<ProvisioningRunner>();
        services.AddHostedService(sp => sp.GetRequiredService<ProvisioningRunner>());
        services.AddSingleton<ProvisioningEvents>();
        services.AddSingleton<TenantOverview>();
        services.AddSingleton<TenantActions>();
        return services;
    }
}
