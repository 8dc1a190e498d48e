using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Hosting;

namespace InsightPulse.Bench;

/// <summary>
/// The endpoints of <c>bench http</c>, mapped only by <see cref="HttpBenchmarkHost"/> (never by the production
/// app). All are anonymous, all run <see cref="ProjectBudgetQuery"/>'s query and return its rows as JSON:
/// <list type="bullet">
/// <item><see cref="TenantPath"/>: the request's tenant (host routing) → <see cref="TenantDataAccess.ReadAsync{T}"/> as
/// the runtime role (<c>app.tenant_id</c> and search path set for the statement's transaction, forced RLS) → the query.</item>
/// <item><see cref="SharedPath"/>: the baseline, what a single-database application serving the same customers does:
/// every tenant's rows in one schema without RLS; the tenant taken from the Host header by its spelling (not from the
/// routing result), its rows read by an explicit <c>WHERE tenant_id = @tenant</c> (<see cref="ProjectBudgetQuery.SharedSql"/>)
/// on one pool (search path in the connection string), no transaction, no tenant context.</item>
/// <item><see cref="FixedPath"/>: tenancy bypassed: one pool on one fixed schema (search path in the connection
/// string) holding one tenant's rows, read over and over whatever the host: it measures the size of the working set
/// as much as tenancy. No transaction, no tenant context, tables without RLS.</item>
/// </list>
/// The shared and fixed pools are handed out as the tenant path's are (a <see cref="TenantAffinePool"/>, here with one
/// key). Every request of every path goes through the same pipeline, host routing included.
/// </summary>
public static class HttpBenchmarkEndpoints
{
    public const string TenantPath = "/bench/projects";
    public const string FixedPath = "/bench/projects-fixed";
    public const string SharedPath = "/bench/projects-shared";

    /// <summary><c>bench budget</c>'s path: the request's tenant → its own database, as the runtime role: how many users it has.</summary>
    public const string DatabasePath = "/bench/users";

    /// <summary>The one key the fixed and shared paths' pools are asked for.</summary>
    private const string OneKey = "one";

    internal static void Map(WebApplication app, TenantAffinePool fixedPool, TenantAffinePool sharedPool)
    {
        app.MapGet(TenantPath, async (HttpContext http, TenantDataAccess data, CancellationToken cancellationToken) =>
            TypedResults.Ok(await data.ReadAsync<ProjectBudgetRow>(RequestTenant.Get(http), TenantStore.Schema, ProjectBudgetQuery.Sql, null, cancellationToken)))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet(DatabasePath, async (HttpContext http, TenantDataAccess data, CancellationToken cancellationToken) =>
            TypedResults.Ok(await data.ReadAsync<long>(RequestTenant.Get(http), TenantStore.Database, "SELECT count(*) FROM res_users", null, cancellationToken)))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet(FixedPath, async (CancellationToken cancellationToken) =>
        {
            await using var lease = await fixedPool.OpenAsync(OneKey, cancellationToken);
            return TypedResults.Ok(await ProjectBudgetQuery.ReadAsync(lease.Connection, cancellationToken));
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(SharedPath, async Task<IResult> (HttpContext http, CancellationToken cancellationToken) =>
        {
            if (TenantHosts.CodeOfDevelopmentHost(http.Request.Host.Host.ToLowerInvariant(), TenantHosts.DefaultDevelopmentSuffix) is not { } tenant)
            {
                return TypedResults.NotFound();
            }
            await using var lease = await sharedPool.OpenAsync(OneKey, cancellationToken);
            return TypedResults.Ok(await ProjectBudgetQuery.ReadSharedAsync(lease.Connection, tenant, cancellationToken));
        }).AllowAnonymous().ExcludeFromDescription();
    }
}
