using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Npgsql;
using NpgsqlTypes;

namespace InsightPulse.Core.ScoutData;

/// <summary>
/// <c>databank seed scout</c>: loads generated transactions into the scout tenant's <c>scout_transactions</c>.
/// Re-running replaces the rows of the tenants it generates for (retail_001 … retail_T), so the table holds exactly
/// one generation per tenant; other tenants' rows are untouched. Two loaders share the tenants, each in one
/// transaction: a run that fails may have replaced one loader's tenants only, and running it again completes it. It refuses tenant codes that
/// are registered tenants (their rows would be real data).
/// </summary>
/// <remarks>
/// PostgreSQL refuses <c>COPY FROM</c> into a table whose row-level security applies to the caller (the owner too,
/// under FORCE). So each tenant's rows go by binary COPY into a temporary staging table, then by one
/// <c>INSERT … SELECT</c> under that tenant's context, which the policy checks like any insert.
/// </remarks>
public sealed class ScoutSeeder(PlatformDatabases databases, TenantRegistry registry)
{
    /// <summary>The tenant whose schema holds the Scout databank.</summary>
    public const string ScoutTenant = "scout";

    /// <summary>Every column of scout_transactions but the identity id, in table order (constants, not input).</summary>
    internal const string Columns =
        "tenant_id, store_id, timestamp, time_of_day, region, province, city, barangay, store_type, economic_class, " +
        "product_category, brand_name, sku, is_tbwa_client, gender, age_bracket, customer_type, request_mode, request_type, " +
        "suggestion_accepted, payment_method, campaign_influenced, substitution_occurred, substitution_from, substitution_reason, " +
        "units_per_transaction, peso_value, basket_size, duration_seconds, handshake_score, combo_basket";

    /// <summary>The scout tenant's schema, checked to hold scout_transactions.</summary>
    public async Task<string> SchemaAsync(CancellationToken cancellationToken)
    {
        var schema = (await registry.GetAsync(ScoutTenant, cancellationToken)).SupabaseSchema;
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT to_regclass(format('%I.scout_transactions', @schema::text)) IS NOT NULL", new { schema }, cancellationToken: cancellationToken));
        if (!exists)
        {
            throw new ScoutDataException(
                $"The Scout databank is not installed ({schema}.scout_transactions does not exist).",
                $"`./ipai tenant provision {ScoutTenant}`, then run this again.");
        }
        return schema;
    }

    public async Task<ScoutSeedResult> SeedAsync(ScoutSeedOptions options, Action<long>? onRows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Problems() is { Count: > 0 } problems) throw new ScoutDataException(string.Join(" ", problems));
        var clock = Stopwatch.StartNew();
        var schema = await SchemaAsync(cancellationToken);
        var tenants = ScoutGenerator.TenantCodes(options.Tenants);
        await RefuseRegisteredAsync(tenants, cancellationToken);
        var rowsPerTenant = ScoutGenerator.RowsPerTenant(options);
        var table = $"{Sql.Identifier(schema)}.scout_transactions";

        // Two loaders (PostgreSQL's index maintenance is the bottleneck, so a second backend nearly halves the
        // time), each in one transaction over its share of the tenants.
        var workers = Math.Clamp(Environment.ProcessorCount, 1, 2);
        long written = 0, replaced = 0;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async worker =>
        {
            var numbers = Enumerable.Range(1, options.Tenants).Where(n => n % workers == worker).ToList();
            var (_, r) = await LoadAsync(table, options, numbers, rowsPerTenant, done =>
            {
                var total = Interlocked.Add(ref written, done);
                onRows?.Invoke(total);
            }, cancellationToken);
            Interlocked.Add(ref replaced, r);
        }));
        await using (var connection = await databases.Data.OpenConnectionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(new CommandDefinition($"ANALYZE {table}", commandTimeout: 1800, cancellationToken: cancellationToken));
        }
        return new ScoutSeedResult(schema, options, tenants, written, replaced, clock.Elapsed);
    }

    private async Task<(long Written, long Replaced)> LoadAsync(
        string table, ScoutSeedOptions options, IReadOnlyList<int> numbers, int[] rowsPerTenant, Action<long> onRows, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"CREATE TEMPORARY TABLE scout_seed_stage ON COMMIT DROP AS SELECT {Columns} FROM {table} WITH NO DATA",
            transaction: transaction, cancellationToken: cancellationToken));
        long written = 0, replaced = 0;
        foreach (var number in numbers)
        {
            var tenant = ScoutGenerator.TenantCode(number);
            // Tenant context for this tenant's delete and insert: the policy's USING and WITH CHECK apply.
            await connection.ExecuteAsync(new CommandDefinition(
                "SELECT set_config('app.tenant_id', @tenant, true)", new { tenant }, transaction, cancellationToken: cancellationToken));
            replaced += await connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM {table} WHERE tenant_id = @tenant", new { tenant }, transaction, commandTimeout: 1800, cancellationToken: cancellationToken));
            await using (var writer = await connection.BeginBinaryImportAsync($"COPY pg_temp.scout_seed_stage ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var row in ScoutGenerator.Generate(options, number, rowsPerTenant[number - 1]))
                {
                    await WriteAsync(writer, row, cancellationToken);
                }
                await writer.CompleteAsync(cancellationToken);
            }
            // In time order, as the rows would arrive: index appends stay local.
            var inserted = await connection.ExecuteAsync(new CommandDefinition(
                $"INSERT INTO {table} ({Columns}) SELECT {Columns} FROM pg_temp.scout_seed_stage ORDER BY timestamp; TRUNCATE pg_temp.scout_seed_stage",
                transaction: transaction, commandTimeout: 1800, cancellationToken: cancellationToken));
            written += inserted;
            onRows(inserted);
        }
        await transaction.CommitAsync(cancellationToken);
        return (written, replaced);
    }

    /// <summary>
    /// A checksum of the generated tenants' rows, independent of ids, row order and session time zone: equal
    /// checksums mean equal multisets of rows. Reads as the owner (the platform operator sees every row).
    /// </summary>
    public async Task<string> ChecksumAsync(IReadOnlyList<string> tenants, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        var schema = await SchemaAsync(cancellationToken);
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("SET LOCAL TimeZone = 'UTC'", transaction: transaction, cancellationToken: cancellationToken));
        return await connection.ExecuteScalarAsync<string>(new CommandDefinition(
            $"SELECT md5(coalesce(string_agg(h, '' ORDER BY h), '')) FROM (SELECT md5(({Columns})::text) AS h FROM {Sql.Identifier(schema)}.scout_transactions WHERE tenant_id = ANY(@tenants)) r",
            new { tenants = tenants.ToArray() }, transaction, cancellationToken: cancellationToken)) ?? "";
    }

    private async Task RefuseRegisteredAsync(IReadOnlyList<string> tenants, CancellationToken cancellationToken)
    {
        await using var platform = await databases.Platform.OpenConnectionAsync(cancellationToken);
        var registered = (await platform.QueryAsync<string>(new CommandDefinition(
            "SELECT code FROM ipai_tenant WHERE code = ANY(@codes) ORDER BY code", new { codes = tenants.ToArray() }, cancellationToken: cancellationToken))).ToList();
        if (registered.Count > 0)
        {
            throw new ScoutDataException(
                $"{string.Join(", ", registered.Take(5))}{(registered.Count > 5 ? ", …" : "")} {(registered.Count == 1 ? "is a registered tenant" : "are registered tenants")}: " +
                "the generator replaces the rows of the tenants it generates for and will not touch a real tenant's data.",
                "use fewer --tenants, or rename those tenants.");
        }
    }

    private static async Task WriteAsync(NpgsqlBinaryImporter writer, ScoutTransaction row, CancellationToken cancellationToken)
    {
        await writer.StartRowAsync(cancellationToken);
        await writer.WriteAsync(row.TenantId, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.StoreId, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.Timestamp, NpgsqlDbType.TimestampTz, cancellationToken);
        await writer.WriteAsync(row.TimeOfDay, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.Region, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.Province, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.City, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, row.Barangay, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.StoreType, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, row.EconomicClass, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.ProductCategory, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.BrandName, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.Sku, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.IsTbwaClient, NpgsqlDbType.Boolean, cancellationToken);
        await WriteNullableAsync(writer, row.Gender, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, row.AgeBracket, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, row.CustomerType, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, row.RequestMode, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, row.RequestType, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, row.SuggestionAccepted, NpgsqlDbType.Boolean, cancellationToken);
        await WriteNullableAsync(writer, row.PaymentMethod, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.CampaignInfluenced, NpgsqlDbType.Boolean, cancellationToken);
        await writer.WriteAsync(row.SubstitutionOccurred, NpgsqlDbType.Boolean, cancellationToken);
        await WriteNullableAsync(writer, row.SubstitutionFrom, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(writer, row.SubstitutionReason, NpgsqlDbType.Text, cancellationToken);
        await writer.WriteAsync(row.UnitsPerTransaction, NpgsqlDbType.Integer, cancellationToken);
        await writer.WriteAsync(row.PesoValue, NpgsqlDbType.Numeric, cancellationToken);
        await writer.WriteAsync(row.BasketSize, NpgsqlDbType.Integer, cancellationToken);
        await WriteNullableAsync(writer, row.DurationSeconds, NpgsqlDbType.Integer, cancellationToken);
        await WriteNullableAsync(writer, row.HandshakeScore, NpgsqlDbType.Numeric, cancellationToken);
        await writer.WriteAsync(row.ComboBasket, NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter writer, T? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? writer.WriteNullAsync(cancellationToken) : writer.WriteAsync(value, type, cancellationToken);
}
