using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Finance;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.ScoutData;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Core.Demo;

/// <summary>
/// Demo data, as Odoo ships it: a deterministic data set per tenant, so that a first look at its dashboards shows
/// living charts. What a tenant gets follows what it has installed: <c>ipai_finance_ppm</c> gives the finance demo
/// (<see cref="FinanceDemo"/>), the Scout databank's tenant gets Scout transactions and a few synthetic retail clients
/// beside it (<see cref="ScoutDemo"/>); other tenants get nothing, which is not an error. <c>up</c> loads it once per
/// tenant (<see cref="DueAtUpAsync"/>); <c>ipai_tenant_demo</c> in the platform database remembers loads and removals.
/// </summary>
/// <remarks>
/// A tenant's demo rows are written through the production path: one unit of work of <see cref="TenantDataAccess"/>
/// (the runtime role, <c>app.tenant_id</c> set, row-level security and every CHECK applying), so a load that fails
/// leaves nothing of that tenant behind. Only the synthetic retail clients, which are not registered tenants, are
/// written by the owner under each one's context, as <c>databank seed scout</c> does, in a transaction of their own
/// that commits before the tenant's; a load that fails after it is completed by the next, which replaces them. Demo
/// rows are marked (<see cref="Marker"/>), so a remove deletes them and never an operator's own rows; a load replaces
/// the marked rows of an earlier load that committed without its record (a crash in between).
/// </remarks>
public sealed class DemoData(PlatformDatabases databases, TenantRegistry registry, TenantModules modules, TenantDataAccess data, ScoutSeeder scout, TimeProvider time)
{
    /// <summary>Recorded with each load: raise it when the generated content changes, so status tells old loads apart.</summary>
    public const string GeneratorVersion = "1";

    /// <summary>The start of every demo code (agencies, projects) and Scout store id: what remove deletes.</summary>
    public const string Marker = "DEMO-";

    /// <summary>The module whose tenants get the finance demo.</summary>
    public const string FinanceModule = "ipai_finance_ppm";

    /// <summary>What a tenant gets (<see cref="DemoStatus.Content"/>): the finance demo, and the Scout demo.</summary>
    public const string FinanceContent = "finance", ScoutContent = "scout";

    private const string NothingToLoad = "nothing to load: demo data exists for tenants with ipai_finance_ppm and for the Scout tenant";

    /// <summary>
    /// Loads the demo data of tenant <paramref name="code"/> unless it is loaded already (then nothing changes); after a
    /// remove it loads again. The tenant must be active.
    /// </summary>
    public async Task<DemoResult> LoadAsync(string code, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var tenant = await registry.GetAsync(code, cancellationToken);
        var content = await ContentAsync(tenant, cancellationToken);
        if (content.Count == 0) return new DemoResult(tenant.Code, false, NothingToLoad, DemoCounts.None, clock.Elapsed);
        RequireActive(tenant);

        databases.Environment.RequireSession($"Demo data of tenant '{tenant.Code}'");
        await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var demoLock = await AdvisoryLock.AcquireAsync(platform, $"ipai:demo:{tenant.Code}", cancellationToken);
        if (await RecordAsync(platform, tenant.Code, cancellationToken) is { State: "loaded" } loaded)
        {
            return new DemoResult(tenant.Code, false,
                $"loaded before, on {loaded.LoadedAt:yyyy-MM-dd} (generator {loaded.GeneratorVersion}): {loaded.Summary}; " +
                $"`./ipai demo remove {tenant.Code}` first to load it afresh", DemoCounts.None, clock.Elapsed);
        }

        var today = Today();
        // The synthetic retail clients (registered codes skipped) load beside the tenant's unit of work, on a second
        // backend (index maintenance is the bottleneck, and the server has cores to spare); the tenant's transaction
        // commits only once they are in.
        var retail = content.Contains(ScoutContent) ? await UnregisteredAsync(ScoutDemo.ForRetailTenants(today), cancellationToken) : [];
        var retailLoad = retail.Count > 0 ? scout.ReplaceMarkedAsync(retail, Marker, cancellationToken) : Task.FromResult(0L);
        var tenantWrite = WriteTenantAsync(tenant, content, today, retailLoad, cancellationToken);
        await Task.WhenAll(tenantWrite, retailLoad);
        var counts = (await tenantWrite) with { RetailTenants = retail.Select(g => g.TenantCode).ToList(), RetailTransactions = await retailLoad };
        if (content.Contains(ScoutContent)) await AnalyzeAsync(tenant, "scout_transactions", cancellationToken);

        var summary = counts.Describe();
        await platform.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_tenant_demo (tenant_code, state, loaded_at, generator_version, as_of, summary, removed_at)
            VALUES (@code, 'loaded', now(), @version, CAST(@asOf AS date), @summary, NULL)
            ON CONFLICT (tenant_code) DO UPDATE SET state = 'loaded', loaded_at = now(), generator_version = excluded.generator_version,
                as_of = excluded.as_of, summary = excluded.summary, removed_at = NULL
            """, new { code = tenant.Code, version = GeneratorVersion, asOf = today.ToDateTime(TimeOnly.MinValue), summary }, cancellationToken: cancellationToken));
        return new DemoResult(tenant.Code, true, $"loaded {summary}", counts, clock.Elapsed);
    }

    /// <summary>
    /// The tenant's own demo rows in one unit of work: the marked rows of an earlier load that committed without its
    /// record are replaced; the commit waits for <paramref name="retailLoad"/>, so that a failure there leaves the
    /// tenant without demo rows (and without a record), and the next load does it all again.
    /// </summary>
    private async Task<DemoCounts> WriteTenantAsync(Tenant tenant, IReadOnlyList<string> content, DateOnly today, Task<long> retailLoad, CancellationToken cancellationToken)
    {
        var counts = DemoCounts.None;
        await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
        await RequireTablesAsync(work, tenant, content, cancellationToken);
        if (content.Contains(FinanceContent))
        {
            var (_, kept) = await FinanceDemoWriter.DeleteAsync(work, cancellationToken);
            if (kept.Count > 0)
            {
                throw new DemoDataException(
                    $"Demo rows of an earlier load are still used by {tenant.Code}'s own reports or projects ({string.Join(", ", kept)}): the demo cannot be loaded over them.",
                    $"move or delete those reports and projects, or keep the demo rows as they are (`./ipai demo status`).");
            }
            var set = FinanceDemo.Generate(today, await AtcRatesAsync(work, cancellationToken));
            counts = await FinanceDemoWriter.InsertAsync(work, set, cancellationToken);
        }
        if (content.Contains(ScoutContent))
        {
            await ScoutSeeder.DeleteMarkedAsync(work, Marker, cancellationToken);
            counts = counts with { ScoutTransactions = await ScoutSeeder.InsertAsync(work, ScoutDemo.ForTenant(tenant.Code, today), cancellationToken) };
        }
        await retailLoad;
        await work.CommitAsync(cancellationToken);
        return counts;
    }

    /// <summary>
    /// Deletes tenant <paramref name="code"/>'s demo rows (only those: see <see cref="FinanceDemoWriter"/>) and records
    /// the removal, so that <c>up</c> never loads demo data into it again. Removing what is not there changes nothing
    /// but the record.
    /// </summary>
    public async Task<DemoResult> RemoveAsync(string code, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var tenant = await registry.GetAsync(code, cancellationToken);
        var content = await ContentAsync(tenant, cancellationToken);
        databases.Environment.RequireSession($"Demo data of tenant '{tenant.Code}'");
        await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var demoLock = await AdvisoryLock.AcquireAsync(platform, $"ipai:demo:{tenant.Code}", cancellationToken);
        var record = await RecordAsync(platform, tenant.Code, cancellationToken);

        var counts = DemoCounts.None;
        IReadOnlyList<string> kept = [];
        // Only an active or suspended tenant has stores to delete from (a draft has none yet, an archived one none left).
        if (content.Count > 0 && tenant.State is TenantState.Active or TenantState.Suspended)
        {
            if (content.Contains(ScoutContent))
            {
                var retail = (await UnregisteredAsync(ScoutDemo.ForRetailTenants(Today()), cancellationToken)).Select(g => g.TenantCode).ToList();
                var deleted = await scout.DeleteMarkedAsync(retail, Marker, cancellationToken);
                counts = counts with { RetailTenants = deleted > 0 ? retail : [], RetailTransactions = deleted };
            }
            await using var work = await data.BeginAsync(tenant, TenantStore.Schema, cancellationToken);
            var tables = await TablesAsync(work, cancellationToken);
            if (content.Contains(FinanceContent) && tables.Finance)
            {
                var (finance, financeKept) = await FinanceDemoWriter.DeleteAsync(work, cancellationToken);
                kept = financeKept;
                counts = counts with { Agencies = finance.Agencies, Projects = finance.Projects, ExpenseReports = finance.ExpenseReports, ExpenseLines = finance.ExpenseLines };
            }
            if (content.Contains(ScoutContent) && tables.Scout)
            {
                counts = counts with { ScoutTransactions = await ScoutSeeder.DeleteMarkedAsync(work, Marker, cancellationToken) };
            }
            await work.CommitAsync(cancellationToken);
        }

        await platform.ExecuteAsync(new CommandDefinition("""
            INSERT INTO ipai_tenant_demo (tenant_code, state, removed_at) VALUES (@code, 'removed', now())
            ON CONFLICT (tenant_code) DO UPDATE SET state = 'removed', removed_at = now()
            """, new { code = tenant.Code }, cancellationToken: cancellationToken));
        var acted = counts.Total > 0 || record is { State: "loaded" };
        var detail = (counts.Total > 0 ? $"removed {counts.Describe()}" : "no demo rows to remove") +
            (kept.Count > 0 ? $"; kept {string.Join(", ", kept)}: the tenant's own reports or projects use them" : "") +
            $"; `up` will not load demo data into {tenant.Code} again (`./ipai demo load {tenant.Code}` does)";
        return new DemoResult(tenant.Code, acted, detail, counts, clock.Elapsed);
    }

    /// <summary>Every registered tenant's demo data, in registry order.</summary>
    public async Task<IReadOnlyList<DemoStatus>> StatusAsync(CancellationToken cancellationToken)
    {
        var tenants = await registry.ListAsync(cancellationToken);
        var installed = (await modules.ListAllAsync(cancellationToken)).ToLookup(m => m.TenantCode, m => m.Module, StringComparer.Ordinal);
        await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var records = (await platform.QueryAsync<DemoRecord>(new CommandDefinition(
            $"SELECT {RecordColumns} FROM ipai_tenant_demo", cancellationToken: cancellationToken))).ToDictionary(r => r.TenantCode, StringComparer.Ordinal);
        return tenants.Select(t =>
        {
            var content = Content(t, installed[t.Code]);
            var record = records.GetValueOrDefault(t.Code);
            var state = record?.State switch
            {
                "loaded" => DemoState.Loaded,
                "removed" => DemoState.Removed,
                _ => content.Count == 0 ? DemoState.NothingToLoad : DemoState.NotLoaded,
            };
            return new DemoStatus(t.Code, t.State, content, state, Utc(record?.LoadedAt), record?.GeneratorVersion,
                record?.AsOf is { } asOf ? DateOnly.FromDateTime(asOf) : null, record?.Summary, Utc(record?.RemovedAt));
        }).ToList();
    }

    /// <summary>The tenants <c>up</c> loads demo data into (<see cref="DemoStatus.DueAtUp"/>).</summary>
    public async Task<IReadOnlyList<DemoStatus>> DueAtUpAsync(CancellationToken cancellationToken) =>
        (await StatusAsync(cancellationToken)).Where(s => s.DueAtUp).ToList();

    /// <summary>Today in Asia/Manila (UTC+8, no daylight saving), where the tenants' months and days are.</summary>
    private DateOnly Today() => DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime.AddHours(8));

    private async Task<IReadOnlyList<string>> ContentAsync(Tenant tenant, CancellationToken cancellationToken) =>
        Content(tenant, await modules.ListAsync(tenant.Code, cancellationToken));

    private static List<string> Content(Tenant tenant, IEnumerable<string> tenantModules)
    {
        var content = new List<string>();
        if (tenantModules.Contains(FinanceModule, StringComparer.Ordinal)) content.Add(FinanceContent);
        if (tenant.Code == ScoutSeeder.ScoutTenant) content.Add(ScoutContent);
        return content;
    }

    private static void RequireActive(Tenant tenant)
    {
        var fix = tenant.State switch
        {
            TenantState.Draft or TenantState.Provisioning => $"`./ipai tenant provision {tenant.Code}`, then `./ipai demo load {tenant.Code}`.",
            TenantState.Suspended => $"resume it (operator console), then `./ipai demo load {tenant.Code}`.",
            TenantState.Archived => $"restore it (`./ipai tenant restore {tenant.Code} --from ARCHIVE`), then `./ipai demo load {tenant.Code}`.",
            _ => null,
        };
        if (fix is not null)
        {
            throw new DemoDataException($"Tenant {tenant.Code} is {tenant.State.ToString().ToLowerInvariant()}: demo data is loaded into active tenants only.", fix);
        }
    }

    /// <summary>The generations among <paramref name="generations"/> whose tenant code is not registered: a real tenant's rows are never touched.</summary>
    private async Task<IReadOnlyList<ScoutGeneration>> UnregisteredAsync(IReadOnlyList<ScoutGeneration> generations, CancellationToken cancellationToken)
    {
        var registered = (await registry.ListAsync(cancellationToken)).Select(t => t.Code).ToHashSet(StringComparer.Ordinal);
        return generations.Where(g => !registered.Contains(g.TenantCode)).ToList();
    }

    private static async Task<(bool Finance, bool Scout)> TablesAsync(TenantUnitOfWork work, CancellationToken cancellationToken) =>
        await work.Connection.QuerySingleAsync<(bool, bool)>(new CommandDefinition(
            "SELECT to_regclass('ppm_expense_line') IS NOT NULL, to_regclass('scout_transactions') IS NOT NULL",
            transaction: work.Transaction, cancellationToken: cancellationToken));

    private static async Task RequireTablesAsync(TenantUnitOfWork work, Tenant tenant, IReadOnlyList<string> content, CancellationToken cancellationToken)
    {
        var (finance, scoutTable) = await TablesAsync(work, cancellationToken);
        var missing = (content.Contains(FinanceContent) && !finance ? [$"{FinanceModule} (ppm_expense_line)"] : Array.Empty<string>())
            .Concat(content.Contains(ScoutContent) && !scoutTable ? ["the Scout databank (scout_transactions)"] : []).ToList();
        if (missing.Count > 0)
        {
            throw new DemoDataException($"Tenant {tenant.Code}'s schema {work.Schema} lacks {string.Join(" and ", missing)}.",
                $"`./ipai tenant provision {tenant.Code}`, then `./ipai demo load {tenant.Code}`.");
        }
    }

    /// <summary>The tenant's active ATC rates (the tbwa databank's table) over the demo's defaults, which a tenant without that table gets.</summary>
    private static async Task<IReadOnlyDictionary<string, decimal>> AtcRatesAsync(TenantUnitOfWork work, CancellationToken cancellationToken)
    {
        var table = await ExpenseLineStore.AtcCodesAsync(work, cancellationToken);
        return (table ?? FinanceDemo.DefaultAtcCodes).ToDictionary(c => c.Code, c => c.Rate, StringComparer.Ordinal);
    }

    /// <summary>Fresh statistics after bulk rows, so the BI views plan well at once (only the owner may ANALYZE).</summary>
    private async Task AnalyzeAsync(Tenant tenant, string table, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"ANALYZE {Sql.Identifier(tenant.SupabaseSchema)}.{Sql.Identifier(table)}", commandTimeout: 600, cancellationToken: cancellationToken));
    }

    private const string RecordColumns = """
        tenant_code AS TenantCode, state, loaded_at AS LoadedAt, generator_version AS GeneratorVersion, as_of::timestamp AS AsOf, summary, removed_at AS RemovedAt
        """;

    /// <summary>A row of <c>ipai_tenant_demo</c>; times in UTC (Npgsql reads timestamptz as UTC DateTime).</summary>
    private sealed record DemoRecord(string TenantCode, string State, DateTime? LoadedAt, string? GeneratorVersion, DateTime? AsOf, string? Summary, DateTime? RemovedAt);

    private static DateTimeOffset? Utc(DateTime? value) => value is { } utc ? new DateTimeOffset(DateTime.SpecifyKind(utc, DateTimeKind.Utc)) : null;

    private static async Task<DemoRecord?> RecordAsync(NpgsqlConnection platform, string code, CancellationToken cancellationToken) =>
        await platform.QuerySingleOrDefaultAsync<DemoRecord>(new CommandDefinition(
            $"SELECT {RecordColumns} FROM ipai_tenant_demo WHERE tenant_code = @code", new { code }, cancellationToken: cancellationToken));
}
