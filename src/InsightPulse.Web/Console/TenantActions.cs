using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Console;

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

    /// <summary>Active → suspended: its sites answer 403, its data is kept.</summary>
    public Task<Tenant> SuspendAsync(string code, CancellationToken cancellationToken) =>
        registry.SetStateAsync(code, TenantState.Suspended, cancellationToken);

    /// <summary>Suspended → active (only from suspended: a tenant being provisioned is not made active by a resume).</summary>
    public Task<Tenant> ResumeAsync(string code, CancellationToken cancellationToken) =>
        registry.UpdateAsync(code, t => t.State == TenantState.Suspended
            ? t with { State = TenantState.Active }
            : throw new InvalidTenantStateException($"Tenant '{t.Code}' is {TenantLifecycle.ToText(t.State)}, not suspended: there is nothing to resume."),
            cancellationToken);
}
