using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// Runs before the node takes requests: refuses to start when the runtime role could bypass row-level security
/// (superuser, BYPASSRLS, owner of tenant objects), then loads the routing table and starts following the registry.
/// </summary>
public sealed class WebStartup(TenantDataAccess data, TenantRouteTable routes) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The same check the first unit of work would make, done once: its result is kept for the units of work.
        await data.EnsureRuntimeRoleSafeAsync(cancellationToken);
        await routes.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
