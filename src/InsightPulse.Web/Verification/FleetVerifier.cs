using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Verification;

namespace InsightPulse.Web.Verification;

/// <summary>
/// Runs every gate (<see cref="TenantVerifier"/>'s and, over HTTP at a site, <see cref="SiteGates"/>') for each of
/// some tenants, up to <c>parallel</c> tenants at once, and records each tenant's run as it ends. The gates of one
/// tenant run in order; tenants share nothing but the site and the pools.
/// </summary>
public sealed class FleetVerifier(TenantVerifier verifier, SiteGates gates, TenantRegistry registry, PlatformDatabases databases)
{
    /// <summary>
    /// Tenants verified at once unless told otherwise: enough to overlap one tenant's round trips with another's work
    /// (over 1,003 tenants on 2 processors: 49.7 s with 4 at once, 44.5 s with 8; docs/benchmarks.md).
    /// </summary>
    public static int DefaultParallel => Math.Max(2, Environment.ProcessorCount * 4);

    /// <summary>The results in the order of <paramref name="codes"/>; <paramref name="done"/> hears each as it ends (from any thread).</summary>
    public async Task<IReadOnlyList<TenantVerification>> VerifyAsync(
        IReadOnlyList<string> codes, Uri site, int parallel, Action<TenantVerification>? done, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(site);
        ArgumentOutOfRangeException.ThrowIfLessThan(parallel, 1);
        var results = new TenantVerification[codes.Count];
        var tenants = await registry.ListAsync(cancellationToken);
        var shared = new IsolationLint.SharedFindings(tenants);
        // The databases of one tenant each: their pools go when that tenant is done (another tenant's gates may still use a shared one's).
        var ownDatabaseOf = tenants.GroupBy(t => t.DbName, StringComparer.Ordinal).Where(g => g.Count() == 1)
            .ToDictionary(g => g.Single().Code, g => (g.Single().DatabaseServer, g.Key), StringComparer.Ordinal);
        var options = new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, codes.Count), options, async (i, token) =>
        {
            var result = await verifier.VerifyAsync(codes[i], (t, ct) => gates.RunAsync(t, site, ct), token, shared);
            // A fleet of tenant databases must not keep a pool per database and role (the server's connections run out).
            if (ownDatabaseOf.TryGetValue(codes[i], out var own)) await databases.ForgetTenantDatabaseEverywhereAsync(own.DatabaseServer, own.Key);
            await verifier.Log.RecordAsync(result, site.ToString(), token);
            results[i] = result;
            done?.Invoke(result);
        });
        return results;
    }
}
