using System.Diagnostics;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.ScoutData;
using Npgsql;

namespace InsightPulse.Bench;

/// <summary>
/// <c>bench rls</c>: the same tenant-scoped queries through row-level security (as the runtime role, with
/// app.tenant_id set, on scout.scout_transactions) and through an explicit <c>WHERE tenant_id = …</c> on an
/// identical copy without RLS (<c>scout_bench.scout_transactions_norls</c>, same rows, same indexes, read by the owner:
/// no runtime role may read it, so a copy a killed run leaves guards nothing it should not), measured in
/// one process and one run, the two paths interleaved (alternating which goes first) and rotating over tenants.
/// </summary>
public sealed class RlsBenchmark(PlatformDatabases databases, PlatformEnvironmentSource environment, ScoutSeeder seeder, FaultInjection faults)
{
    public const string BenchSchema = "scout_bench";
    public const string CopyTable = "scout_transactions_norls";

    public sealed record Options(int Rows = 1_000_000, int Tenants = 100, int Rounds = 5, int Iterations = 100, int Warmup = 30, long Seed = ScoutSeedOptions.DefaultSeed);

    private sealed record QueryShape(string Name, string Description, string Sql);

    /// <summary>{0} is the table; {1} is " AND tenant_id = @t" (explicit path) or "" (RLS path); {2} the same with WHERE.</summary>
    private static readonly QueryShape[] Shapes =
    [
        new("point_aggregate", "count and value of the tenant's transactions",
            "SELECT count(*), sum(peso_value) FROM {0}{2}"),
        new("daily_30_days", "per local day over 30 days: transactions and value",
            "SELECT (timestamp AT TIME ZONE 'Asia/Manila')::date AS day, count(*), sum(peso_value) FROM {0} WHERE timestamp >= '2025-03-01 00:00+08' AND timestamp < '2025-03-31 00:00+08'{1} GROUP BY 1 ORDER BY 1"),
        new("top_5_brands", "five brands of highest value",
            "SELECT brand_name, sum(peso_value) AS value FROM {0}{2} GROUP BY brand_name ORDER BY value DESC LIMIT 5"),
    ];

    public async Task<RlsBenchmarkResult> RunAsync(Options options, Action<string>? onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Rounds < 1 || options.Iterations < 1 || options.Warmup < 0)
        {
            throw new ScoutDataException("--rounds and --iterations must be 1 or more, --warmup 0 or more.");
        }
        var startedAt = DateTimeOffset.UtcNow;
        var schema = await seeder.SchemaAsync(cancellationToken);
        var source = $"{Sql.Identifier(schema)}.scout_transactions";
        var copy = $"{Sql.Identifier(BenchSchema)}.{Sql.Identifier(CopyTable)}";
        var tenants = ScoutGenerator.TenantCodes(options.Tenants);

        var seeded = false;
        if (!await HoldsGenerationAsync(source, options, cancellationToken))
        {
            onProgress?.Invoke($"seeding {options.Rows:N0} rows for {options.Tenants} tenants…");
            await seeder.SeedAsync(new ScoutSeedOptions(options.Rows, options.Tenants, options.Seed), null, cancellationToken);
            seeded = true;
        }
        onProgress?.Invoke($"preparing {BenchSchema}.{CopyTable} (same rows and indexes, no RLS)…");
        await PrepareCopyAsync(source, copy, seeded, cancellationToken);
        faults.Hit("bench_rls:copied");

        try
        {
            return await MeasureAsync(options, source, copy, tenants, startedAt, seeded, onProgress, cancellationToken);
        }
        finally
        {
            // The copy holds every tenant's rows without RLS: it exists only while the benchmark runs.
            await using var owner = await databases.Data.OpenConnectionAsync(CancellationToken.None);
            await owner.ExecuteAsync($"DROP SCHEMA IF EXISTS {Sql.Identifier(BenchSchema)} CASCADE");
        }
    }

    private async Task<RlsBenchmarkResult> MeasureAsync(
        Options options, string source, string copy, IReadOnlyList<string> tenants, DateTimeOffset startedAt, bool seeded,
        Action<string>? onProgress, CancellationToken cancellationToken)
    {
        var names = environment.Names;
        var app = new PostgresLogin(names.AppRole, environment.Cluster.Secrets.ReadRequired(PlatformEnvironment.RoleSecret(names.AppRole)));
        var appDatabase = databases.Get(databases.Environment.DataServer, databases.Environment.DataDatabase, app);
        await using var connection = await appDatabase.OpenConnectionAsync(cancellationToken);
        // The copy is read by the owner, on a connection set up as the runtime role's (prepared statements too): no
        // runtime role may read it, so a copy a killed run leaves is readable by none.
        await using var ownerSource = PlatformDatabases.Build(OwnerDataSettings.Of(databases, "ipai bench rls").ConnectionString);
        await using var owner = await ownerSource.OpenConnectionAsync(cancellationToken);
        var serverVersion = connection.PostgreSqlVersion.ToString();
        var serverVersionText = await connection.ExecuteScalarAsync<string>("SHOW server_version") ?? serverVersion;

        var results = new List<RlsBenchmarkResult.Query>();
        foreach (var shape in Shapes)
        {
            onProgress?.Invoke($"{shape.Name}: warm-up and {options.Rounds} round(s) of {options.Iterations} iteration(s) per path…");
            var rlsSql = string.Format(System.Globalization.CultureInfo.InvariantCulture, shape.Sql, source, "", "");
            var explicitSql = string.Format(System.Globalization.CultureInfo.InvariantCulture, shape.Sql, copy, " AND tenant_id = @t", " WHERE tenant_id = @t");
            for (var i = 0; i < options.Warmup; i++)
            {
                var tenant = tenants[i % tenants.Count];
                await TimeAsync(connection, rlsSql, tenant, cancellationToken);
                await TimeAsync(owner, explicitSql, tenant, cancellationToken);
            }
            var rls = new List<double>();
            var plain = new List<double>();
            var roundRatios = new List<double>();
            var offset = 0;
            for (var round = 0; round < options.Rounds; round++)
            {
                var rlsRound = new List<double>();
                var plainRound = new List<double>();
                for (var i = 0; i < options.Iterations; i++, offset++)
                {
                    // Rotate over tenants; alternate which path goes first so neither always finds a warmer cache.
                    var tenant = tenants[(offset * 7) % tenants.Count];
                    if (i % 2 == 0)
                    {
                        rlsRound.Add(await TimeAsync(connection, rlsSql, tenant, cancellationToken));
                        plainRound.Add(await TimeAsync(owner, explicitSql, tenant, cancellationToken));
                    }
                    else
                    {
                        plainRound.Add(await TimeAsync(owner, explicitSql, tenant, cancellationToken));
                        rlsRound.Add(await TimeAsync(connection, rlsSql, tenant, cancellationToken));
                    }
                }
                roundRatios.Add(Percentile(rlsRound, 0.5) / Percentile(plainRound, 0.5));
                rls.AddRange(rlsRound);
                plain.AddRange(plainRound);
            }
            var rlsPath = Summarize(rls);
            var plainPath = Summarize(plain);
            results.Add(new RlsBenchmarkResult.Query(shape.Name, shape.Description, rlsPath, plainPath,
                Round(Percentile(roundRatios, 0.5)), Round(rlsPath.P95Ms / plainPath.P95Ms), Round(roundRatios.Min()), Round(roundRatios.Max())));
        }
        return new RlsBenchmarkResult(startedAt, Environment.ProcessorCount, serverVersionText, options.Rows, options.Tenants,
            options.Rounds, options.Iterations, options.Warmup, seeded, results);
    }

    /// <summary>
    /// One tenant-scoped transaction: context first, then the query alone on the clock, every row read.
    /// To be replaced by the tenant unit of work (Isolation/TenantUnitOfWork) when it is merged.
    /// </summary>
    private static async Task<double> TimeAsync(NpgsqlConnection connection, string sql, string tenant, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var context = new NpgsqlCommand("SELECT set_config('app.tenant_id', @t, true)", connection, transaction))
        {
            context.Parameters.AddWithValue("t", tenant);
            await context.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        if (sql.Contains("@t", StringComparison.Ordinal)) command.Parameters.AddWithValue("t", tenant);
        var clock = Stopwatch.StartNew();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                for (var c = 0; c < reader.FieldCount; c++) _ = reader.GetValue(c);
            }
        }
        var elapsed = clock.Elapsed.TotalMilliseconds;
        await transaction.CommitAsync(cancellationToken);
        return elapsed;
    }

    private async Task<bool> HoldsGenerationAsync(string table, Options options, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        var (rows, tenants, last) = await connection.QuerySingleAsync<(long, long, string?)>(new CommandDefinition(
            $"SELECT count(*), count(DISTINCT tenant_id), max(tenant_id) FROM {table} WHERE tenant_id LIKE 'retail\\_%'", cancellationToken: cancellationToken));
        return rows == options.Rows && tenants == options.Tenants && last == ScoutGenerator.TenantCode(options.Tenants);
    }

    /// <summary>The copy without RLS: recreated when its rows differ from the source's, then vacuumed like the source.</summary>
    private async Task PrepareCopyAsync(string source, string copy, bool seeded, CancellationToken cancellationToken)
    {
        await using var connection = await databases.Data.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition($"CREATE SCHEMA IF NOT EXISTS {Sql.Identifier(BenchSchema)}", cancellationToken: cancellationToken));
        var exists = await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT to_regclass(format('%I.%I', @BenchSchema::text, @CopyTable::text)) IS NOT NULL", new { BenchSchema, CopyTable }, cancellationToken: cancellationToken));
        var same = exists && !seeded && await connection.ExecuteScalarAsync<bool>(new CommandDefinition(
            $"SELECT (SELECT count(*) FROM {source}) = (SELECT count(*) FROM {copy})", cancellationToken: cancellationToken));
        if (!same)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync(new CommandDefinition($"""
                DROP TABLE IF EXISTS {copy};
                CREATE TABLE {copy} (LIKE {source} INCLUDING ALL);
                INSERT INTO {copy} OVERRIDING SYSTEM VALUE SELECT * FROM {source};
                """, transaction: transaction, commandTimeout: 1800, cancellationToken: cancellationToken));
            await transaction.CommitAsync(cancellationToken);
        }
        // Same physical state for both: statistics and visibility maps (index-only scans) on each.
        await connection.ExecuteAsync(new CommandDefinition($"VACUUM (ANALYZE) {source}", commandTimeout: 1800, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition($"VACUUM (ANALYZE) {copy}", commandTimeout: 1800, cancellationToken: cancellationToken));
    }

    private static RlsBenchmarkResult.Path Summarize(List<double> samples) =>
        new(Round(Percentile(samples, 0.5)), Round(Percentile(samples, 0.95)), Round(samples.Min()), Round(samples.Max()), samples.Count);

    private static double Percentile(List<double> samples, double p)
    {
        var sorted = samples.Order().ToArray();
        var rank = p * (sorted.Length - 1);
        var low = (int)Math.Floor(rank);
        var high = (int)Math.Ceiling(rank);
        return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
    }

    private static double Round(double value) => Math.Round(value, 4);
}
