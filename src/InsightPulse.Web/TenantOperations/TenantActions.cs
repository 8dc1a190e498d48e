using InsightPulse.Core.Audit;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// What an operator does to a tenant from the console or the API: create it, start provisioning (in the background),
/// suspend, resume. Registry and lifecycle rules decide; a refused move throws <see cref="InvalidTenantStateException"/>.
/// Each goes to the audit trail as <paramref name="actor"/> of the call, refusals and failures included (a provisioning
/// run that starts is recorded by <see cref="ProvisioningRunner"/> when it ends).
/// </summary>
public sealed class TenantActions(TenantRegistry registry, ProvisioningRunner runner, AuditLog audit)
{
    /// <summary>Registers a new tenant (state draft); <see cref="TenantValidationException"/> or <see cref="TenantConflictException"/> when the registry refuses it.</summary>
    public Task<Tenant> CreateAsync(AuditActor actor, CreateTenantRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        return audit.TrackAsync(new AuditEvent(actor, AuditActions.TenantCreated, request.Code?.Trim()), () => registry.CreateAsync(request.ToTenant(), cancellationToken));
    }

    /// <summary>Queues a run; throws when the tenant is missing, suspended, or already being provisioned here.</summary>
    public async Task<Tenant> StartProvisioningAsync(AuditActor actor, string code, CancellationToken cancellationToken)
    {
        try
        {
            var tenant = await registry.GetAsync(code, cancellationToken);
            if (tenant.State == TenantState.Suspended)
            {
                throw new InvalidTenantStateException($"Tenant '{tenant.Code}' is suspended: resume it before provisioning.");
            }
            if (!runner.TryStart(tenant.Code, actor))
            {
                throw new InvalidTenantStateException($"Tenant '{tenant.Code}' is already being provisioned: follow its run's steps.");
            }
            return tenant;
        }
        catch (Exception e)
        {
            await audit.RecordFailureAsync(new AuditEvent(actor, AuditActions.TenantProvisioned, code), e);
            throw;
        }
    }

    /// <summary><see cref="TenantRegistry.SuspendAsync"/>: the CLI's <c>tenant suspend</c> does the same; the platform tenant is refused.</summary>
    public Task<Tenant> SuspendAsync(AuditActor actor, string code, CancellationToken cancellationToken) =>
        audit.TrackAsync(new AuditEvent(actor, AuditActions.TenantSuspended, code), () => registry.SuspendAsync(code, cancellationToken));

    /// <summary><see cref="TenantRegistry.ResumeAsync"/>: the CLI's <c>tenant resume</c> does the same.</summary>
    public Task<Tenant> ResumeAsync(AuditActor actor, string code, CancellationToken cancellationToken) =>
        audit.TrackAsync(new AuditEvent(actor, AuditActions.TenantResumed, code), () => registry.ResumeAsync(code, cancellationToken));
}
