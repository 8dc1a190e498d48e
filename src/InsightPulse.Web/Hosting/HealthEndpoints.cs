using System.Diagnostics;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// <c>/healthz</c>: the process answers. <c>/readyz</c>: the routing table is loaded and the platform database answers;
/// it also names the tenants this node cannot reach now (<see cref="TenantAvailability"/>), which do not make the node unready.
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", () => TypedResults.Text("ok\n")).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapGet("/readyz", ReadyAsync).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static async Task<IResult> ReadyAsync(TenantRouteTable routes, PlatformDatabases databases, TenantAvailability availability, CancellationToken cancellationToken)
    {
        if (routes.Version == 0) return TypedResults.Json(new { status = "starting" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        var clock = Stopwatch.StartNew();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            await using var connection = await databases.Platform.OpenConnectionAsync(timeout.Token);
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return TypedResults.Json(new { status = "database unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return TypedResults.Json(new
        {
            status = "ready",
            tenants = routes.Count,
            database_ms = clock.ElapsedMilliseconds,
            registry_updates = routes.Updates,
            unavailable_tenants = availability.Outages.Select(o => new { code = o.TenantCode, database = o.Database, reason = o.Reason, since = o.Since }),
            // This node's runtime connections per server (Connections:Budget): slots taken now and at most, waits, timeouts.
            connections = databases.BudgetStats.Select(b => new
            {
                server = b.Server, budget = b.Capacity, reserved = b.Reserved, taken = b.Taken, kept = b.Kept, peak = b.Peak,
                waiting = b.Waiting, waits = b.Waits, timeouts = b.Timeouts, evictions = b.Evictions,
            }),
        });
    }
}
