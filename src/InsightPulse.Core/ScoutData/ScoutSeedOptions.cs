namespace InsightPulse.Core.ScoutData;

/// <summary>
/// What <c>databank seed scout</c> generates: <paramref name="Rows"/> transactions spread over
/// <paramref name="Tenants"/> retail clients <c>retail_001…</c>. The same three values always give the same rows.
/// </summary>
public sealed record ScoutSeedOptions(int Rows, int Tenants, long Seed = ScoutSeedOptions.DefaultSeed)
{
    public const long DefaultSeed = 20250101;
    public const int MaxTenants = 999;
    public const int MaxRows = 50_000_000;

    /// <summary>The problems of these options, empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Rows is < 1 or > MaxRows) problems.Add($"--rows must be between 1 and {MaxRows:N0}.");
        if (Tenants is < 1 or > MaxTenants) problems.Add($"--tenants must be between 1 and {MaxTenants}.");
        if (Rows < Tenants && Rows >= 1) problems.Add("--rows must be at least --tenants (every tenant gets rows).");
        return problems;
    }
}
