using System.Globalization;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Bench;

/// <summary>
/// The data of <c>bench http</c>: N schema tenants (<c>bench_http_0001</c>…, in the shared data database, module
/// <c>ipai_finance_ppm</c>, reached at its development host <c>bench-http-0001.localhost</c> (<see cref="TenantHosts"/>),
/// which is also its primary domain), each seeded with the same rows; the fixed schema <see cref="FixedSchema"/>: copies of
/// the finance tables (LIKE … INCLUDING ALL: same columns, defaults, constraints and indexes; no RLS) and of the view,
/// holding one tenant's rows; and the shared schema <see cref="SharedSchema"/>: the same copies holding every bench
/// tenant's rows under its code. Everything is dropped by <see cref="DropAsync"/>, which also removes what a killed run left.
/// </summary>
public sealed class HttpBenchmarkTenants(
    TenantRegistry registry, TenantModules modules, TenantProvisioner provisioner, TenantArchiver archiver, PlatformDatabases databases)
{
    public const string CodePrefix = "bench_http_";
    public const string FixedSchema = "bench_http_fixed";
    public const string SharedSchema = "bench_http_shared";
    public const string Module = "ipai_finance_ppm";
    private static readonly string[] Tables = ["ppm_agency", "ppm_project", "ppm_expense_report", "ppm_expense_line"];
    private const string View = "ppm_project_budget_status";

    /// <summary>
    /// Seed rows of one tenant: 1 agency, <c>@projects</c> projects, 2 reports per project (approved, submitted), 3 lines
    /// per report (each insert reads only the tenant's rows: the shared schema holds other tenants' too).
    /// </summary>
    private const string SeedSql = """
        INSERT INTO ppm_agency (tenant_id, code, name, tin, registered_address)
        VALUES (@tenant, 'BENCH', 'Bench Agency Inc.', '123-456-789-000', 'Makati City');
        INSERT INTO ppm_project (tenant_id, agency_id, code, name, client_name, budget_amount, start_date, end_date, state)
        SELECT @tenant, a.id, 'P' || lpad(g::text, 3, '0'), 'Project ' || g, 'Client ' || g, 100000 + g * 2500,
               date '2025-01-01', date '2025-12-31', 'active'
        FROM ppm_agency a CROSS JOIN generate_series(1, @projects) AS g WHERE a.tenant_id = @tenant ORDER BY g;
        INSERT INTO ppm_expense_report (tenant_id, project_id, employee_name, report_date, period, state)
        SELECT @tenant, p.id, 'Employee ' || s, date '2025-03-15', date '2025-03-01', CASE s WHEN 1 THEN 'approved' ELSE 'submitted' END
        FROM ppm_project p CROSS JOIN generate_series(1, 2) AS s WHERE p.tenant_id = @tenant ORDER BY p.id, s;
        INSERT INTO ppm_expense_line (tenant_id, report_id, line_date, description, category, gross_amount, vat_amount, atc_code, withholding_rate, withholding_amount)
        SELECT @tenant, r.id, date '2025-03-10', 'Supplies ' || l, 'supplies', 1120.00 * l, 120.00 * l, 'WC158', 0.02, round((1120.00 * l - 120.00 * l) * 0.02, 2)
        FROM ppm_expense_report r CROSS JOIN generate_series(1, 3) AS l WHERE r.tenant_id = @tenant ORDER BY r.id, l;
        """;

    public static string Code(int index) => CodePrefix + index.ToString("D4", CultureInfo.InvariantCulture);

    /// <summary>The host a tenant is reached at: its development host, also set as its primary domain.</summary>
    public static string Host(int index) => TenantHosts.DevelopmentHost(Code(index), TenantHosts.DefaultDevelopmentSuffix)!;

    /// <summary>Registers, provisions (schema tenants, with the finance module) and seeds tenants 1..<paramref name="count"/>; then the fixed copy.</summary>
    public async Task CreateAsync(int count, int projects, Action<string>? progress, CancellationToken cancellationToken)
    {
        for (var i = 1; i <= count; i++)
        {
            var code = Code(i);
            var tenant = Tenant.New(code, $"HTTP benchmark {i}") with { DbName = databases.Environment.PlatformDatabase, PrimaryDomain = Host(i) };
            await registry.CreateAsync(tenant, cancellationToken);
            await modules.AddAsync(code, Module, cancellationToken);
            await provisioner.ProvisionAsync(code, new TenantProvisioner.Options(), null, null, cancellationToken);
            var provisioned = await registry.GetAsync(code, cancellationToken);
            await SeedAsync(provisioned.SupabaseSchema, code, projects, cancellationToken);
            if (i % 10 == 0 || i == count) progress?.Invoke($"{i} of {count} bench tenant(s) provisioned and seeded");
        }
        var model = (await registry.GetAsync(Code(1), cancellationToken)).SupabaseSchema;
        await CreateFixedAsync(model, projects, cancellationToken);
        progress?.Invoke($"the shared schema: {count} tenant(s)' rows in one schema without RLS");
        await CreateSharedAsync(model, count, projects, cancellationToken);
    }

    /// <summary>Drops every <c>bench_http_</c> tenant (schema, rows, record, generated password) and the fixed and shared schemas; returns how many tenants.</summary>
    public async Task<int> DropAsync(Action<string>? progress, CancellationToken cancellationToken)
    {
        await using (var owner = await databases.Data.OpenConnectionAsync(cancellationToken))
        {
            await owner.ExecuteAsync(new CommandDefinition(
                $"DROP SCHEMA IF EXISTS {Sql.Identifier(FixedSchema)}, {Sql.Identifier(SharedSchema)} CASCADE", cancellationToken: cancellationToken));
        }
        return await archiver.DeleteAllAsync(CodePrefix, count => progress?.Invoke($"dropping {count} bench tenant(s)"), cancellationToken);
    }

    /// <summary>
    /// Exactly <paramref name="count"/> bench tenants: those a <c>--keep</c> run left when their number matches, else
    /// the old ones dropped and new ones made (<see cref="CreateAsync"/>).
    /// </summary>
    public async Task EnsureAsync(int count, int projects, Action<string>? progress, CancellationToken cancellationToken)
    {
        var (existing, _) = await CountAsync(cancellationToken);
        if (existing == count) return;
        await DropAsync(progress, cancellationToken);
        progress?.Invoke($"creating {count} bench tenant(s) (schema tenants, finance module, {projects} project(s) each)…");
        await CreateAsync(count, projects, progress, cancellationToken);
    }

    /// <summary>How many <c>bench_http_</c> tenants the registry holds and whether the fixed or shared schema exists (the test checks cleanup with it).</summary>
    public async Task<(int Tenants, bool CopiesExist)> CountAsync(CancellationToken cancellationToken)
    {
        var tenants = (await registry.ListAsync(cancellationToken)).Count(t => t.Code.StartsWith(CodePrefix, StringComparison.Ordinal));
        await using var owner = await databases.Data.OpenConnectionAsync(cancellationToken);
        var exists = await owner.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ANY (@schemas))", new { schemas = new[] { FixedSchema, SharedSchema } }, cancellationToken: cancellationToken));
        return (tenants, exists);
    }

    /// <summary>Seeds a tenant's schema as the owner, with the tenant context set (the tables' RLS is forced, also for their owner).</summary>
    private async Task SeedAsync(string schema, string tenantId, int projects, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT set_config('app.tenant_id', @tenantId, true), set_config('search_path', @path, true)",
            new { tenantId, path = Sql.Identifier(schema) }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition(SeedSql, new { tenant = tenantId, projects }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition($"ANALYZE {string.Join(", ", Tables.Select(t => Sql.Identifier(schema) + "." + t))}",
            transaction: transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>The fixed schema: the tables of <paramref name="model"/> without RLS, its view (same definition), one tenant's rows.</summary>
    private Task CreateFixedAsync(string model, int projects, CancellationToken cancellationToken) =>
        CreateCopyAsync(FixedSchema, model, [FixedSchema], idKeys: true, projects, cancellationToken);

    /// <summary>
    /// The shared schema: the tables of <paramref name="model"/> without RLS, its view, and the rows of the bench
    /// tenants 1..<paramref name="count"/>, each under its code, with the same ids as in its own schema (the id keys
    /// dropped: the tables' (tenant_id, id) keys remain, as a single-database application would key them).
    /// </summary>
    private Task CreateSharedAsync(string model, int count, int projects, CancellationToken cancellationToken) =>
        CreateCopyAsync(SharedSchema, model, [.. Enumerable.Range(1, count).Select(Code)], idKeys: false, projects, cancellationToken);

    /// <summary>
    /// A copy of the finance tables of <paramref name="model"/> in <paramref name="schema"/> (LIKE … INCLUDING ALL: same
    /// columns, defaults, constraints and indexes; no RLS) and of its view, seeded with the same rows for each of
    /// <paramref name="tenants"/> (identities restarted for each, so every tenant's rows are alike, ids included);
    /// without <paramref name="idKeys"/>, the tables' primary keys on id alone are dropped.
    /// </summary>
    private async Task CreateCopyAsync(string schema, string model, IReadOnlyList<string> tenants, bool idKeys, int projects, CancellationToken cancellationToken)
    {
        var copy = Sql.Identifier(schema);
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SELECT set_config('search_path', @path, true)",
            new { path = Sql.Identifier(model) }, transaction, cancellationToken: cancellationToken));
        // With the model schema on the search path, the definition comes back with unqualified names.
        var viewSql = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT pg_get_viewdef(to_regclass(@view), true)", new { view = View }, transaction, cancellationToken: cancellationToken))
            ?? throw new HttpBenchmarkException($"The view {View} is missing from schema {model}: is module {Module} installed?");
        await connection.ExecuteAsync(new CommandDefinition($"CREATE SCHEMA {copy}", transaction: transaction, cancellationToken: cancellationToken));
        foreach (var table in Tables)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                $"CREATE TABLE {copy}.{table} (LIKE {Sql.Identifier(model)}.{table} INCLUDING ALL)", transaction: transaction, cancellationToken: cancellationToken));
            if (idKeys) continue;
            var key = await connection.ExecuteScalarAsync<string>(new CommandDefinition(
                "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(@table) AND contype = 'p'",
                new { table = $"{copy}.{table}" }, transaction, cancellationToken: cancellationToken));
            await connection.ExecuteAsync(new CommandDefinition($"ALTER TABLE {copy}.{table} DROP CONSTRAINT {Sql.Identifier(key!)}", transaction: transaction, cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition("SELECT set_config('search_path', @path, true)",
            new { path = copy }, transaction, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition($"CREATE VIEW {View} WITH (security_invoker = true) AS {viewSql}", transaction: transaction, cancellationToken: cancellationToken));
        var restart = string.Join(" ", Tables.Select(t => $"ALTER TABLE {copy}.{t} ALTER COLUMN id RESTART WITH 1;"));
        foreach (var tenant in tenants)
        {
            await connection.ExecuteAsync(new CommandDefinition(restart + SeedSql, new { tenant, projects }, transaction, cancellationToken: cancellationToken));
        }
        await connection.ExecuteAsync(new CommandDefinition($"ANALYZE {string.Join(", ", Tables.Select(t => copy + "." + t))}",
            transaction: transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }
}
