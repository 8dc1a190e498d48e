namespace InsightPulse.Core.ScoutData;

/// <summary>
/// Deterministic generator of Scout retail transactions: Philippine neighbourhood stores (mostly sari-sari) of
/// several retail clients, in calendar year 2025 (Asia/Manila) for <c>databank seed scout</c>, or over the period a
/// <see cref="ScoutGeneration"/> names (the demo's last 90 days). Every tenant has its own random stream derived
/// from the seed and its number, so its rows do not depend on the order in which tenants are generated.
/// </summary>
public static class ScoutGenerator
{
    /// <summary>First local day (Asia/Manila, UTC+8 without daylight saving) of the generated period.</summary>
    public static readonly DateTime PeriodStart = new(2025, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
    public const int PeriodDays = 365;
    private const double ManilaUtcOffsetHours = 8;

    private static readonly double[] RegionCumulative = SplitMixRandom.Cumulative(ScoutCatalog.Regions.Select(r => r.Weight));
    private static readonly double[] StoreTypeCumulative = SplitMixRandom.Cumulative(ScoutCatalog.StoreTypes.Select(s => s.Weight));
    private static readonly double[] HourCumulative = SplitMixRandom.Cumulative(ScoutCatalog.HourWeights);
    private static readonly Weighted EconomicClasses = new(ScoutCatalog.EconomicClasses);
    private static readonly Weighted Genders = new(ScoutCatalog.Genders);
    private static readonly Weighted AgeBrackets = new(ScoutCatalog.AgeBrackets);
    private static readonly Weighted CustomerTypes = new(ScoutCatalog.CustomerTypes);
    private static readonly Weighted RequestModes = new(ScoutCatalog.RequestModes);
    private static readonly Weighted RequestTypes = new(ScoutCatalog.RequestTypes);
    private static readonly Weighted PaymentMethods = new(ScoutCatalog.PaymentMethods);
    private static readonly Weighted SubstitutionReasons = new(ScoutCatalog.SubstitutionReasons);
    private static readonly double[][] BrandCumulative = ScoutCatalog.Categories.Select(c => SplitMixRandom.Cumulative(c.Brands.Select(b => b.Weight))).ToArray();
    private static readonly ScoutCatalog.Sku[] AllSkus = ScoutCatalog.Categories.SelectMany(c => c.Brands.SelectMany(b => b.Skus)).ToArray();

    private sealed class Weighted((string Value, double Weight)[] items)
    {
        private readonly string[] _values = items.Select(i => i.Value).ToArray();
        private readonly double[] _cumulative = SplitMixRandom.Cumulative(items.Select(i => i.Weight));

        public string Pick(SplitMixRandom random) => _values[random.Pick(_cumulative)];
    }

    private sealed record Store(
        string Id, ScoutCatalog.Region Region, ScoutCatalog.Province Province, ScoutCatalog.City City, string? Barangay,
        string Type, string EconomicClass, double Markup);

    public static string TenantCode(int number) => $"retail_{number:000}";

    /// <summary>Tenant codes retail_001 … retail_T.</summary>
    public static IReadOnlyList<string> TenantCodes(int tenants) => Enumerable.Range(1, tenants).Select(TenantCode).ToList();

    /// <summary>Rows per tenant (uneven, as real clients are), summing to exactly <c>Rows</c>, at least one each.</summary>
    public static int[] RowsPerTenant(ScoutSeedOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var random = SplitMixRandom.For(options.Seed, 0);
        var weights = Enumerable.Range(0, options.Tenants).Select(_ => 0.4 + 1.2 * random.NextDouble()).ToArray();
        var spare = options.Rows - options.Tenants;
        var total = weights.Sum();
        var exact = weights.Select(w => spare * w / total).ToArray();
        var rows = exact.Select(e => 1 + (int)Math.Floor(e)).ToArray();
        var missing = options.Rows - rows.Sum();
        foreach (var index in Enumerable.Range(0, options.Tenants).OrderByDescending(i => exact[i] - Math.Floor(exact[i])).ThenBy(i => i).Take(missing))
        {
            rows[index]++;
        }
        return rows;
    }

    /// <summary>What <c>databank seed scout</c> generates for tenant number <paramref name="number"/> (1-based): retail_NNN in 2025.</summary>
    public static ScoutGeneration ForSeed(ScoutSeedOptions options, int number, int rows)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new ScoutGeneration(TenantCode(number), number, rows, options.Seed, DateOnly.FromDateTime(PeriodStart), PeriodDays, $"R{number:000}");
    }

    /// <summary>The rows <paramref name="generation"/> asks for, in the order they are drawn (not in time order).</summary>
    internal static IEnumerable<ScoutTransaction> Generate(ScoutGeneration generation)
    {
        ArgumentNullException.ThrowIfNull(generation);
        var random = SplitMixRandom.For(generation.Seed, generation.Stream);
        var tenant = generation.TenantCode;
        var rows = generation.Rows;
        var periodStart = generation.FirstDay.ToDateTime(TimeOnly.MinValue);

        // The client's footprint: 2 to 5 regions, and its own emphasis on categories.
        var regionCount = random.Next(2, 6);
        var regions = new List<ScoutCatalog.Region>();
        while (regions.Count < regionCount)
        {
            var region = ScoutCatalog.Regions[random.Pick(RegionCumulative)];
            if (!regions.Contains(region)) regions.Add(region);
        }
        var regionCumulative = SplitMixRandom.Cumulative(regions.Select(r => r.Weight));
        var categoryCumulative = SplitMixRandom.Cumulative(ScoutCatalog.Categories.Select(c => c.Weight * (0.6 + 0.8 * random.NextDouble())));

        var stores = new Store[Math.Clamp(rows / 120, 3, 500)];
        var storeWeights = new double[stores.Length];
        for (var i = 0; i < stores.Length; i++)
        {
            var region = regions[random.Pick(regionCumulative)];
            var province = region.Provinces[random.Next(region.Provinces.Length)];
            var city = province.Cities[random.Next(province.Cities.Length)];
            var barangay = random.Chance(0.03) ? null : city.Barangays[random.Next(city.Barangays.Length)];
            var (type, _, markup) = ScoutCatalog.StoreTypes[random.Pick(StoreTypeCumulative)];
            stores[i] = new Store($"{generation.StoreIdPrefix}-{region.Code}-{i + 1:0000}", region, province, city, barangay, type,
                EconomicClasses.Pick(random), markup * (0.97 + 0.09 * random.NextDouble()));
            var busy = random.NextDouble();
            storeWeights[i] = 0.3 + 3.0 * busy * busy;
        }
        var storeCumulative = SplitMixRandom.Cumulative(storeWeights);

        for (var row = 0; row < rows; row++)
        {
            var store = stores[random.Pick(storeCumulative)];
            var day = random.Next(generation.Days);
            var hour = random.Pick(HourCumulative);
            var local = periodStart.AddDays(day).AddHours(hour).AddMinutes(random.Next(60)).AddSeconds(random.Next(60));
            var timestamp = DateTime.SpecifyKind(local.AddHours(-ManilaUtcOffsetHours), DateTimeKind.Utc);

            var categoryIndex = random.Pick(categoryCumulative);
            var category = ScoutCatalog.Categories[categoryIndex];
            var brand = category.Brands[random.Pick(BrandCumulative[categoryIndex])];
            var sku = brand.Skus[random.Next(brand.Skus.Length)];

            var units = 1;
            while (units < 12 && random.Chance(0.35)) units++;
            var unitPrice = Math.Round((decimal)((double)sku.Price * store.Markup) * 4m, MidpointRounding.AwayFromZero) / 4m;
            var extra = 0;
            while (extra < 6 && random.Chance(0.45)) extra++;
            var combo = new string[extra];
            for (var i = 0; i < extra; i++)
            {
                string item;
                do item = AllSkus[random.Next(AllSkus.Length)].Name;
                while (item == sku.Name || Array.IndexOf(combo, item, 0, i) >= 0);
                combo[i] = item;
            }

            var requestType = RequestTypes.Pick(random);
            string? substitutionFrom = null, substitutionReason = null;
            if (category.Brands.Length > 1 && random.Chance(0.07))
            {
                ScoutCatalog.Brand from;
                do from = category.Brands[random.Next(category.Brands.Length)];
                while (from == brand);
                substitutionFrom = from.Name;
                substitutionReason = SubstitutionReasons.Pick(random);
            }
            bool? suggestionAccepted = substitutionReason == "store_suggestion" ? true
                : requestType != "branded" && random.Chance(0.7) ? random.Chance(0.66)
                : null;

            yield return new ScoutTransaction(
                tenant, store.Id, timestamp, ScoutCatalog.TimeOfDay(hour),
                store.Region.Name, store.Province.Name, store.City.Name, store.Barangay, store.Type, store.EconomicClass,
                category.Name, brand.Name, sku.Code, brand.IsTbwaClient,
                Genders.Pick(random), AgeBrackets.Pick(random), CustomerTypes.Pick(random), RequestModes.Pick(random), requestType,
                suggestionAccepted, PaymentMethods.Pick(random),
                random.Chance(brand.IsTbwaClient ? 0.2 : 0.1),
                substitutionFrom is not null, substitutionFrom, substitutionReason,
                units, unitPrice * units, 1 + extra,
                15 + (int)Math.Min(885, -Math.Log(1 - random.NextDouble()) * 45),
                Math.Round((decimal)Math.Clamp(random.Normal(0.72, 0.14), 0, 1), 3),
                combo);
        }
    }
}
