using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// Runs before the node takes requests: refuses to start when the runtime role could bypass row-level security
/// (superuser, BYPASSRLS, owner of tenant objects), then loads the routing table and starts following the registry.
/// A tenant database that is missing or does not answer does not stop the node: its tenants are reported
/// (<see cref="TenantAvailability"/>: log, <c>/readyz</c>, console) and answer 503 until it is back.
/// </summary>
public sealed partial class WebStartup(TenantDataAccess data, TenantRouteTable routes, TenantAvailability availability, ILogger<WebStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // The same check the first unit of work would make, done once: its result is kept for the units of work.
        var check = await data.EnsureRuntimeRoleSafeAsync(cancellationToken);
        foreach (var database in check.Unreachable) Log.Unreachable(logger, database.Database, string.Join(", ", database.Tenants), database.Reason);
        availability.Report(check.Unreachable);
        await routes.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1101, LogLevel.Warning, "Database {Database} cannot be reached ({Reason}): tenant(s) {Tenants} answer 503 until it is back; the others are served")]
        public static partial void Unreachable(ILogger logger, string database, string tenants, string reason);
    }
}
