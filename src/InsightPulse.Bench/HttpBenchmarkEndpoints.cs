using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Web.Hosting;

namespace InsightPulse.Bench;

/// <summary>
/// The two endpoints of <c>bench http</c>, mapped only by <see cref="HttpBenchmarkHost"/> (never by the production
/// app). Both are anonymous, both run <see cref="ProjectBudgetQuery.Sql"/> and return its rows as JSON:
/// <list type="bullet">
/// <item><see cref="TenantPath"/>: the request's tenant (host routing) → <see cref="TenantDataAccess.ReadAsync{T}"/> as
/// the runtime role (<c>app.tenant_id</c> and search path set for the statement's transaction, forced RLS) → the query.</item>
/// <item><see cref="FixedPath"/>: tenancy bypassed: one pool on one fixed schema (search path in the connection
/// string), handed out as the tenant path's is (a <see cref="TenantAffinePool"/>, here with one key), no
/// transaction, no tenant context, tables without RLS.</item>
/// </list>
/// </summary>
public static class HttpBenchmarkEndpoints
{
    public const string TenantPath = "/bench/projects";
    public const string FixedPath = "/bench/projects-fixed";

    /// <summary><c>bench budget</c>'s path: the request's tenant → its own database, as the runtime role: how many users it has.</summary>
    public const string DatabasePath = "/bench/users";

    /// <summary>The one key the fixed path's pool is asked for.</summary>
    private const string FixedKey = "fixed";

    internal static void Map(WebApplication app, TenantAffinePool fixedPool)
    {
        app.MapGet(TenantPath, async (HttpContext http, TenantDataAccess data, CancellationToken cancellationToken) =>
            TypedResults.Ok(await data.ReadAsync<ProjectBudgetRow>(RequestTenant.Get(http), TenantStore.Schema, ProjectBudgetQuery.Sql, null, cancellationToken)))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet(DatabasePath, async (HttpContext http, TenantDataAccess data, CancellationToken cancellationToken) =>
            TypedResults.Ok(await data.ReadAsync<long>(RequestTenant.Get(http), TenantStore.Database, "SELECT count(*) FROM res_users", null, cancellationToken)))
            .AllowAnonymous().ExcludeFromDescription();
        app.MapGet(FixedPath, async (CancellationToken cancellationToken) =>
        {
            await using var lease = await fixedPool.OpenAsync(FixedKey, cancellationToken);
            return TypedResults.Ok(await ProjectBudgetQuery.ReadAsync(lease.Connection, cancellationToken));
        }).AllowAnonymous().ExcludeFromDescription();
    }
}
