using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// What an operator does to a tenant from the console or the API: start provisioning (in the background), suspend,
/// resume. Registry and lifecycle rules decide; a refused move throws <see cref="InvalidTenantStateException"/>.
/// </summary>
public sealed class TenantActions(TenantRegistry registry, ProvisioningRunner runner)
{
    /// <summary>Queues a run; throws when the tenant is missing, suspended, or already being provisioned here.</summary>
    public async Task<Tenant> StartProvisioningAsync(string code, CancellationToken cancellationToken)
    {
        var tenant = await registry.GetAsync(code, cancellationToken);
        if (tenant.State == TenantState.Suspended)
        {
            throw new InvalidTenantStateException($"Tenant '{tenant.Code}' is suspended: resume it before provisioning.");
        }
        if (!runner.TryStart(tenant.Code))
        {
            throw new InvalidTenantStateException($"Tenant '{tenant.Code}' is already being provisioned: follow its run's steps.");
        }
        return tenant;
    }

    /// <summary><see cref="TenantRegistry.SuspendAsync"/>: the CLI's <c>tenant suspend</c> does the same; the platform tenant is refused.</summary>
    public Task<Tenant> SuspendAsync(string code, CancellationToken cancellationToken) => registry.SuspendAsync(code, cancellationToken);

    /// <summary><see cref="TenantRegistry.ResumeAsync"/>: the CLI's <c>tenant resume</c> does the same.</summary>
    public Task<Tenant> ResumeAsync(string code, CancellationToken cancellationToken) => registry.ResumeAsync(code, cancellationToken);
}
