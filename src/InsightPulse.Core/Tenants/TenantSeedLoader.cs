using System.Text.Json;
using System.Text.Json.Serialization;
using Dapper;
using InsightPulse.Core.Databases;

namespace InsightPulse.Core.Tenants;

/// <summary>
/// Loads the seed tenants of <c>data/tenant_seed_data.json</c> once: a seed record already loaded (even if an
/// operator later edited or deleted the tenant) or a tenant that already has the code is left alone.
/// </summary>
public sealed class TenantSeedLoader(PlatformDatabases databases)
{
    public const string Source = "data/tenant_seed_data.json";

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record SeedFile(IReadOnlyList<Tenant> Tenants)
    {
        /// <summary>Modules beyond the base modules, per tenant code (<c>ipai_tenant_module</c>).</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<string>> Modules { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

        [JsonPropertyName("_comment")]
        public string? Comment { get; init; }
    }

    /// <summary>The seed tenants, validated.</summary>
    public static IReadOnlyList<Tenant> ReadSeeds() => ReadFile().Tenants;

    /// <summary>The seed tenants' extra modules, per tenant code.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> ReadSeedModules() => ReadFile().Modules;

    private static SeedFile ReadFile()
    {
        using var stream = typeof(TenantSeedLoader).Assembly.GetManifestResourceStream(Source)
            ?? throw new InvalidOperationException($"{Source} is not embedded in the build.");
        var file = JsonSerializer.Deserialize<SeedFile>(stream, JsonOptions)
            ?? throw new InvalidOperationException($"{Source} is empty.");
        foreach (var tenant in file.Tenants) TenantRules.EnsureValid(tenant);
        return file;
    }

    /// <summary>Inserts the seeds not loaded before; returns the codes inserted now.</summary>
    public async Task<IReadOnlyList<string>> LoadAsync(CancellationToken cancellationToken)
    {
        var file = ReadFile();
        var seeds = file.Tenants;
        await using var connection = await databases.Platform.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Serialise concurrent loaders on the ledger so each seed is decided once.
        await connection.ExecuteAsync(new CommandDefinition("LOCK TABLE ipai_seed_record IN EXCLUSIVE MODE", transaction: transaction, cancellationToken: cancellationToken));
        var inserted = new List<string>();
        foreach (var seed in seeds)
        {
            var recorded = await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO ipai_seed_record (source, key) VALUES (@Source, @Code) ON CONFLICT DO NOTHING",
                new { Source, seed.Code }, transaction, cancellationToken: cancellationToken));
            if (recorded == 0) continue;
            var rows = await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO ipai_tenant (code, name, sequence, db_name, supabase_schema, primary_domain, superset_workspace,
                    superset_base_url, company_name, industry, country, admin_email, admin_phone, onboarded_date, notes)
                VALUES (@Code, @Name, @Sequence, @DbName, @SupabaseSchema, @PrimaryDomain, @SupersetWorkspace,
                    @SupersetBaseUrl, @CompanyName, @Industry, @Country, @AdminEmail, @AdminPhone, @OnboardedDate, @Notes)
                ON CONFLICT DO NOTHING
                """, seed, transaction, cancellationToken: cancellationToken));
            if (rows > 0) inserted.Add(seed.Code);
        }
        foreach (var (code, modules) in file.Modules)
        {
            foreach (var module in modules)
            {
                var recorded = await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO ipai_seed_record (source, key) VALUES (@Source, @key) ON CONFLICT DO NOTHING",
                    new { Source, key = $"module:{code}:{module}" }, transaction, cancellationToken: cancellationToken));
                if (recorded == 0) continue;
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO ipai_tenant_module (tenant_code, module) SELECT code, @module FROM ipai_tenant WHERE code = @code ON CONFLICT DO NOTHING",
                    new { code, module }, transaction, cancellationToken: cancellationToken));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return inserted;
    }
}
