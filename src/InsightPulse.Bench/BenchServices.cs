namespace InsightPulse.Bench;

public static class BenchServices
{
    /// <summary>The benchmarks of <c>./ipai bench</c>, on top of the Core services (<c>AddInsightPulseCore</c>).</summary>
    public static IServiceCollection AddInsightPulseBench(this IServiceCollection services)
    {
        services.AddSingleton<ProvisioningBenchmark>();
        services.AddSingleton<RlsBenchmark>();
        services.AddSingleton<BiBenchmark>();
        services.AddSingleton<BiNavigationBenchmark>();
        services.AddSingleton<HttpBenchmarkTenants>();
        services.AddSingleton<HttpBenchmark>();
        services.AddSingleton<VerifyBenchmark>();
        services.AddSingleton<MigrateBenchmark>();
        services.AddSingleton<MoveBenchmark>();
        services.AddSingleton<BudgetBenchmark>();
        services.AddSingleton<SoakBenchmark>();
        return services;
    }
}
