using System.Globalization;
using System.Text.Json;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace InsightPulse.Core.Bi;

/// <summary>
/// Runs a chart's query as the BI role (<c>ipai_bi</c>) in a read-only unit of work of the chart's tenant, so
/// <c>app.tenant_id</c> is set for the transaction and PostgreSQL's forced row-level security bounds every row the
/// chart can see, whatever the layers above got wrong. Each statement has a timeout; results are cached per
/// (tenant, dataset, spec, filters, RLS) for the dashboard's refresh interval.
/// </summary>
public sealed class ChartDataService : IDisposable
{
    private readonly TenantDataAccess _access;
    private readonly BiDatabases _databases;
    private readonly TimeProvider _clock;
    private readonly BiOptions _options;
    private readonly MemoryCache _cache;

    public ChartDataService(TenantDataAccess access, BiDatabases databases, IOptions<BiOptions> options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        _access = access;
        _databases = databases;
        _clock = clock;
        _options = options.Value;
        _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = Math.Max(1, _options.CachedResults) });
    }

    /// <summary>
    /// The chart's data for <paramref name="tenant"/>. <paramref name="extraFilters"/> are the dashboard's native
    /// filter values: each applies when the dataset has its column and is otherwise left out (Superset's scoping).
    /// <paramref name="rls"/> renders further conditions (the guest token's RLS rules) with the statement's
    /// parameters, and <paramref name="rlsKey"/> names them for the cache.
    /// </summary>
    public async Task<ChartData> QueryAsync(
        Tenant tenant, WorkspaceChart chart, Dataset dataset, int refreshSeconds, IReadOnlyList<ChartFilter> extraFilters,
        Func<QueryParameters, IEnumerable<string>>? rls, string rlsKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(chart);
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(extraFilters);
        if (dataset.TenantCode != tenant.Code) throw new ChartSpecException("The chart's dataset belongs to another workspace.");
        if (chart.BrokenReason is not null) throw new ChartBrokenException(chart.BrokenReason);
        var columns = dataset.Columns.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var applicable = extraFilters.Where(f => columns.ContainsKey(f.Column)).ToList();
        if (applicable.SelectMany(f => ChartSpecValidator.FilterProblems(f, columns)).ToList() is { Count: > 0 } problems)
        {
            throw new ChartSpecException(string.Join(" ", problems));
        }

        var key = string.Join('\n', tenant.Code, dataset.Id.ToString(CultureInfo.InvariantCulture),
            JsonSerializer.Serialize(chart.Spec, BiJson.Options), JsonSerializer.Serialize(applicable, BiJson.Options), rlsKey);
        if (_options.CachedResults > 0 && _cache.TryGetValue(key, out ChartData? cached) && cached is not null) return cached.AsCached();

        ChartData data;
        if (dataset.Store == Dataset.ConnectionStore)
        {
            // A dataset over a database connection (made through the API): its login and startup options (the
            // tenant's app.tenant_id) decide what row-level security lets it see, in a read-only transaction.
            await using var connection = await _databases.OpenAsync(dataset.TenantCode, dataset.DatabaseId!.Value, cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction)) await readOnly.ExecuteNonQueryAsync(cancellationToken);
            data = await RunAsync(connection, transaction, dataset, ChartQuery.Build(dataset.SchemaName!, dataset, chart.Spec, applicable, rls), cancellationToken);
        }
        else
        {
            var store = dataset.Store == "database" ? TenantStore.Database : TenantStore.Schema;
            await using var unit = await _access.BeginReadOnlyAsync(tenant, store, cancellationToken);
            data = await RunAsync(unit.Connection, unit.Transaction, dataset, ChartQuery.Build(unit.Schema, dataset, chart.Spec, applicable, rls), cancellationToken);
        }
        if (_options.CachedResults > 0)
        {
            _cache.Set(key, data, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(Math.Max(1, refreshSeconds)) });
        }
        return data;
    }

    /// <summary>One chart statement with the chart timeout, read into rows.</summary>
    private async Task<ChartData> RunAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Dataset dataset, ChartQuery query, CancellationToken cancellationToken)
    {
        await using (var timeout = new NpgsqlCommand(
            $"SET LOCAL statement_timeout = {(_options.ChartTimeoutSeconds * 1000).ToString(CultureInfo.InvariantCulture)}", connection, transaction))
        {
            await timeout.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand(query.Text, connection, transaction);
        foreach (var (name, value) in query.Parameters.Values)
        {
            command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = value ?? (object)DBNull.Value });
        }
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var types = Enumerable.Range(0, reader.FieldCount).Select(i => TypeOf(reader.GetFieldType(i))).ToList();
            var rows = new List<object?[]>();
            while (await reader.ReadAsync(cancellationToken))
            {
                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : Plain(reader.GetValue(i));
                rows.Add(row);
            }
            return new ChartData(query.Colnames, types, rows, false, _clock.GetUtcNow());
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.QueryCanceled)
        {
            throw new ChartSpecException($"The chart's query ran longer than {_options.ChartTimeoutSeconds} s and was stopped: narrow it with filters.");
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            // A data exception: a filter's or a row rule's value does not fit its column ('abc' for a number, a date out of range).
            throw new ChartSpecException($"A value of a filter or of the token's RLS rules does not fit its column: {Postgres.Sql.Printable(e.MessageText, 200)}.");
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.UndefinedColumn or PostgresErrorCodes.UndefinedTable)
        {
            // The relation changed after the dataset's columns were last read (DatasetRefresh has not run yet): broken, not a server error.
            throw new ChartBrokenException($"Dataset {dataset.Name} changed since its columns were last read ({e.MessageText}).", e);
        }
    }

    private static GenericType TypeOf(Type type) =>
        type == typeof(bool) ? GenericType.Boolean
        : type == typeof(DateTime) || type == typeof(DateOnly) || type == typeof(DateTimeOffset) ? GenericType.Temporal
        : type == typeof(string) || type == typeof(char) || type == typeof(Guid) || type.IsArray ? GenericType.Text
        : GenericType.Numeric;

    /// <summary>A value as JSON writes it plainly: numbers and booleans as they are, times as ISO 8601 text, arrays joined.</summary>
    private static object? Plain(object value) => value switch
    {
        DateTime d => d.ToString(d.Kind == DateTimeKind.Utc ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTimeOffset d => d.ToString("yyyy-MM-dd'T'HH:mm:ssK", CultureInfo.InvariantCulture),
        Array a => string.Join(", ", a.Cast<object?>()),
        decimal or long or int or short or double or float or bool or string => value,
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    public void Dispose() => _cache.Dispose();
}
