using InsightPulse.Core.Isolation;
using InsightPulse.Web.Hosting;
using Npgsql;

namespace InsightPulse.Web.Bench;

/// <summary>
/// The two endpoints of <c>bench http</c>, mapped only by <see cref="HttpBenchmarkHost"/> (never by the production
/// app). Both are anonymous, both run <see cref="ProjectBudgetQuery.ReadAsync"/> and return its rows as JSON:
/// <list type="bullet">
/// <item><see cref="TenantPath"/>: the request's tenant (host routing) → a <see cref="TenantDataAccess"/> unit of
/// work as the runtime role (transaction, <c>app.tenant_id</c> and search path set, forced RLS) → the query.</item>
/// <item><see cref="FixedPath"/>: tenancy bypassed: one plain pool on one fixed schema (search path in the
/// connection string), no transaction, no tenant context, tables without RLS.</item>
/// </list>
/// </summary>
public static class HttpBenchmarkEndpoints
{
    public const string TenantPath = "/bench/projects";
    public const string FixedPath = "/bench/projects-fixed";

    internal static void Map(WebApplication app, NpgsqlDataSource fixedSource)
    {
        app.MapGet(TenantPath, async (HttpContext http, TenantDataAccess data, CancellationToken cancellationToken) =>
        {
            await using var work = await data.BeginAsync(RequestTenant.Get(http), TenantStore.Schema, cancellationToken);
            return TypedResults.Ok(await ProjectBudgetQuery.ReadAsync(work.Connection, work.Transaction, cancellationToken));
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapGet(FixedPath, async (CancellationToken cancellationToken) =>
        {
            await using var connection = await fixedSource.OpenConnectionAsync(cancellationToken);
            return TypedResults.Ok(await ProjectBudgetQuery.ReadAsync(connection, null, cancellationToken));
        }).AllowAnonymous().ExcludeFromDescription();
    }
}
