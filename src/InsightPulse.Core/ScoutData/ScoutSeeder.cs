using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
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
/// are registered tenants (their rows would be real data). The demo (<c>Core/Demo</c>) loads through it too: marked rows
/// of unregistered retail clients (<see cref="ReplaceMarkedAsync"/>) and, asked explicitly, a registered tenant's own
/// rows inside that tenant's unit of work (<see cref="InsertAsync"/>).
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
            var generations = Enumerable.Range(1, options.Tenants).Where(n => n % workers == worker)
                .Select(n => ScoutGenerator.ForSeed(options, n, rowsPerTenant[n - 1])).ToList();
            var (_, r) = await LoadAsync(table, generations, null, done =>
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

    /// <summary>
    /// Loads generated rows of tenants that are not registered (synthetic retail clients), replacing only their rows
    /// whose store id starts with <paramref name="marker"/> (a run before): one transaction as the owner, each
    /// tenant's rows under its own context. The demo loads its retail clients this way and marks their stores
    /// (<c>DEMO-…</c>), so rows that <c>databank seed scout</c> wrote for the same codes stay. Registered codes are
    /// refused, as by <see cref="SeedAsync"/>.
    /// </summary>
    public async Task<long> ReplaceMarkedAsync(IReadOnlyList<ScoutGeneration> generations, string marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(generations);
        RequireMarker(marker);
        if (generations.FirstOrDefault(g => !g.StoreIdPrefix.StartsWith(marker, StringComparison.Ordinal)) is { } unmarked)
        {
            throw new ArgumentException($"The stores of {unmarked.TenantCode} ({unmarked.StoreIdPrefix}-…) do not carry the marker {marker}: they could not be told apart later.", nameof(generations));
        }
        var table = $"{Sql.Identifier(await SchemaAsync(cancellationToken))}.scout_transactions";
        await RefuseRegisteredAsync(generations.Select(g => g.TenantCode).ToList(), cancellationToken);
        var (written, _) = await LoadAsync(table, generations, marker, _ => { }, cancellationToken);
        return written;
    }

    /// <summary>
    /// Deletes the rows of unregistered <paramref name="tenants"/> whose store id starts with <paramref name="marker"/>
    /// (what <see cref="ReplaceMarkedAsync"/> wrote), in one transaction as the owner, each under its tenant's context.
    /// </summary>
    public async Task<long> DeleteMarkedAsync(IReadOnlyList<string> tenants, string marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenants);
        RequireMarker(marker);
        var table = $"{Sql.Identifier(await SchemaAsync(cancellationToken))}.scout_transactions";
        await RefuseRegisteredAsync(tenants, cancellationToken);
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long deleted = 0;
        foreach (var tenant in tenants)
        {
            await TenantContext.SetAsync(connection, transaction, tenant, cancellationToken);
            deleted += await connection.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM {table} WHERE tenant_id = @tenant AND starts_with(store_id, @marker)", new { tenant, marker }, transaction,
                commandTimeout: 1800, cancellationToken: cancellationToken));
        }
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Inserts the rows <paramref name="generation"/> asks for into the unit of work's own tenant (a registered one,
    /// e.g. <c>scout</c>: the demo asks for it explicitly), as the runtime role under row-level security, in time
    /// order. The rows travel as one array per column (<c>INSERT … SELECT FROM unnest(…)</c>): COPY cannot write into
    /// a table under RLS, and a staging table would need the TEMPORARY privilege, which the runtime role need not have.
    /// </summary>
    internal static async Task<long> InsertAsync(TenantUnitOfWork work, ScoutGeneration generation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        ArgumentNullException.ThrowIfNull(generation);
        if (generation.TenantCode != work.TenantCode)
        {
            throw new ArgumentException($"Rows of {generation.TenantCode} cannot go into {work.TenantCode}'s unit of work.", nameof(generation));
        }
        var rows = ScoutGenerator.Generate(generation).OrderBy(r => r.Timestamp).ToList();
        long written = 0;
        foreach (var chunk in rows.Chunk(10_000))
        {
            await using var insert = new NpgsqlCommand(UnnestInsert, work.Connection, work.Transaction) { CommandTimeout = 600 };
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.StoreId).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = chunk.Select(r => r.Timestamp).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.TimeOfDay).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.Region).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.Province).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.City).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.Barangay).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.StoreType).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.EconomicClass).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.ProductCategory).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.BrandName).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => r.Sku).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = chunk.Select(r => r.IsTbwaClient).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.Gender).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.AgeBracket).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.CustomerType).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.RequestMode).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.RequestType).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<bool?[]> { TypedValue = chunk.Select(r => r.SuggestionAccepted).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.PaymentMethod).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = chunk.Select(r => r.CampaignInfluenced).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<bool[]> { TypedValue = chunk.Select(r => r.SubstitutionOccurred).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.SubstitutionFrom).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = chunk.Select(r => r.SubstitutionReason).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = chunk.Select(r => r.UnitsPerTransaction).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<decimal[]> { TypedValue = chunk.Select(r => r.PesoValue).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = chunk.Select(r => r.BasketSize).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<int?[]> { TypedValue = chunk.Select(r => r.DurationSeconds).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<decimal?[]> { TypedValue = chunk.Select(r => r.HandshakeScore).ToArray() });
            insert.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = chunk.Select(r => string.Join(ComboSeparator, r.ComboBasket)).ToArray() });
            written += await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        return written;
    }

    /// <summary>Deletes the unit of work's own rows whose store id starts with <paramref name="marker"/>.</summary>
    internal static async Task<long> DeleteMarkedAsync(TenantUnitOfWork work, string marker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(work);
        RequireMarker(marker);
        return await work.Connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM scout_transactions WHERE starts_with(store_id, @marker)", new { marker }, work.Transaction, commandTimeout: 600, cancellationToken: cancellationToken));
    }

    /// <summary>Joins a row's combo basket into one text for <see cref="UnnestInsert"/> (no product name holds it).</summary>
    private const char ComboSeparator = '\u001f';

    /// <summary>Every column but tenant_id (its default: the unit of work's tenant) from one array per column ($1…$30).</summary>
    private const string UnnestInsert = """
        INSERT INTO scout_transactions (
            store_id, timestamp, time_of_day, region, province, city, barangay, store_type, economic_class,
            product_category, brand_name, sku, is_tbwa_client, gender, age_bracket, customer_type, request_mode, request_type,
            suggestion_accepted, payment_method, campaign_influenced, substitution_occurred, substitution_from, substitution_reason,
            units_per_transaction, peso_value, basket_size, duration_seconds, handshake_score, combo_basket)
        SELECT
            store_id, timestamp, time_of_day, region, province, city, barangay, store_type, economic_class,
            product_category, brand_name, sku, is_tbwa_client, gender, age_bracket, customer_type, request_mode, request_type,
            suggestion_accepted, payment_method, campaign_influenced, substitution_occurred, substitution_from, substitution_reason,
            units_per_transaction, peso_value, basket_size, duration_seconds, handshake_score, string_to_array(combo, chr(31))
        FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                    $10::text[], $11::text[], $12::text[], $13::boolean[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[],
                    $19::boolean[], $20::text[], $21::boolean[], $22::boolean[], $23::text[], $24::text[],
                    $25::integer[], $26::numeric[], $27::integer[], $28::integer[], $29::numeric[], $30::text[])
            AS r (store_id, timestamp, time_of_day, region, province, city, barangay, store_type, economic_class,
                  product_category, brand_name, sku, is_tbwa_client, gender, age_bracket, customer_type, request_mode, request_type,
                  suggestion_accepted, payment_method, campaign_influenced, substitution_occurred, substitution_from, substitution_reason,
                  units_per_transaction, peso_value, basket_size, duration_seconds, handshake_score, combo)
        """;

    private static void RequireMarker(string marker)
    {
        if (string.IsNullOrEmpty(marker)) throw new ArgumentException("A marker is the non-empty start of the store ids to replace or delete.", nameof(marker));
    }

    /// <summary>
    /// One transaction over <paramref name="generations"/>: for each tenant, under its context, its rows are deleted
    /// (all of them, or with a <paramref name="marker"/> only those whose store id starts with it), then its new rows
    /// go by binary COPY into a staging table and from there by one INSERT … SELECT, which the policy checks.
    /// </summary>
    private async Task<(long Written, long Replaced)> LoadAsync(
        string table, IReadOnlyList<ScoutGeneration> generations, string? marker, Action<long> onRows, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            $"CREATE TEMPORARY TABLE scout_seed_stage ON COMMIT DROP AS SELECT {Columns} FROM {table} WITH NO DATA",
            transaction: transaction, cancellationToken: cancellationToken));
        long written = 0, replaced = 0;
        foreach (var generation in generations)
        {
            var tenant = generation.TenantCode;
            // Tenant context for this tenant's delete and insert: the policy's USING and WITH CHECK apply.
            await TenantContext.SetAsync(connection, transaction, tenant, cancellationToken);
            replaced += await connection.ExecuteAsync(new CommandDefinition(
                marker is null ? $"DELETE FROM {table} WHERE tenant_id = @tenant" : $"DELETE FROM {table} WHERE tenant_id = @tenant AND starts_with(store_id, @marker)",
                new { tenant, marker }, transaction, commandTimeout: 1800, cancellationToken: cancellationToken));
            await using (var writer = await connection.BeginBinaryImportAsync($"COPY pg_temp.scout_seed_stage ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var row in ScoutGenerator.Generate(generation))
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
