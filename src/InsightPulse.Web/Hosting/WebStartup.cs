using InsightPulse.Core.Isolation;
using InsightPulse.Core.Platform;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// Runs before the node takes requests: refuses to start when the runtime role could bypass row-level security
/// (superuser, BYPASSRLS, owner of tenant objects), then loads the routing table and starts following the registry.
/// </summary>
public sealed class WebStartup(RuntimeRoleGuard guard, PlatformEnvironmentSource source, TenantRouteTable routes) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await guard.EnsureSafeAsync(source.Names.AppRole, cancellationToken);
        await routes.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
