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

    /// <summary>Active → suspended: its sites answer 403, its data is kept. Suspending a suspended tenant changes nothing.</summary>
    public Task<Tenant> SuspendAsync(string code, CancellationToken cancellationToken) =>
        MoveAsync(code, from: TenantState.Active, to: TenantState.Suspended, "suspend", cancellationToken);

    /// <summary>Suspended → active. Resuming an active tenant changes nothing; any other state is refused (a run decides those).</summary>
    public Task<Tenant> ResumeAsync(string code, CancellationToken cancellationToken) =>
        MoveAsync(code, from: TenantState.Suspended, to: TenantState.Active, "resume", cancellationToken);

    /// <summary>Moves <paramref name="from"/> → <paramref name="to"/> under the registry's row lock; already there is fine.</summary>
    private Task<Tenant> MoveAsync(string code, TenantState from, TenantState to, string verb, CancellationToken cancellationToken) =>
        registry.UpdateAsync(code, t => t.State == from || t.State == to
            ? t with { State = to }
            : throw new InvalidTenantStateException(
                $"Tenant '{t.Code}' is {TenantLifecycle.ToText(t.State)}: {verb} applies to {TenantLifecycle.ToText(from)} tenants only."),
            cancellationToken);
}
