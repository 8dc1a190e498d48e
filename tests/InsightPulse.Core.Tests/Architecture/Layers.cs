namespace InsightPulse.Core.Tests.Architecture;

/// <summary>
/// The one direction of dependencies, lowest first (docs/architecture.md draws it): a namespace may use only
/// namespaces of layers below its own, never one beside it or above it. Assemblies follow the same order:
/// Core, then the web host, then the benchmarks, then the CLI. A new namespace gets a line here.
/// </summary>
public static class Layers
{
    public static readonly IReadOnlyList<string[]> LowestFirst =
    [
        // Core: PostgreSQL access, then where the platform lives
        ["InsightPulse.Core.Errors"],
        ["InsightPulse.Core.Postgres"],
        ["InsightPulse.Core.ManagedPostgres"],
        ["InsightPulse.Core.Databases"],
        // Core: schema-change events and webhooks (the registry writes lifecycle events in its transactions)
        ["InsightPulse.Core.Events"],
        // Core: the registry and what a tenant can install
        ["InsightPulse.Core.Tenants", "InsightPulse.Core.Modules", "InsightPulse.Core.Servers"],
        // Core: the audit trail (it tells a refusal from a failure by the registry's and the catalogue's exceptions)
        ["InsightPulse.Core.Audit"],
        // Core: the only way to tenant data
        ["InsightPulse.Core.Isolation"],
        // Core: capabilities on top of it
        ["InsightPulse.Core.Users", "InsightPulse.Core.Bi.Security", "InsightPulse.Core.Bi.Superset"],
        ["InsightPulse.Core.Bi"],
        ["InsightPulse.Core.Provisioning", "InsightPulse.Core.ScoutData", "InsightPulse.Core.Finance"],
        // Core: demo data over the capabilities (finance rows, Scout transactions)
        ["InsightPulse.Core.Demo", "InsightPulse.Core.Verification"],
        // Core: composition (`up`, `status`, the services)
        ["InsightPulse.Core.Bootstrap"],
        ["InsightPulse.Core"],
        // Web: hosting, then auth, then pages and features
        ["InsightPulse.Web.Markup"],
        ["InsightPulse.Web.Hosting"],
        ["InsightPulse.Web.Auth"],
        ["InsightPulse.Web.Pages"],
        ["InsightPulse.Web.TenantOperations", "InsightPulse.Web.Finance", "InsightPulse.Web.Users", "InsightPulse.Web.Bi", "InsightPulse.Web.Events"],
        ["InsightPulse.Web.Verification"],
        ["InsightPulse.Web.Api"],
        ["InsightPulse.Web.OperatorConsole"],
        ["InsightPulse.Web"],
        // Benchmarks: every `./ipai bench` benchmark, on top of the web host
        ["InsightPulse.Bench"],
        // CLI: the commands, then the command line that composes them
        ["InsightPulse.Cli.Commands"],
        ["InsightPulse.Cli"],
    ];

    /// <summary>The layer of each namespace (0 lowest).</summary>
    public static IReadOnlyDictionary<string, int> Rank { get; } = LowestFirst
        .SelectMany((layer, rank) => layer.Select(ns => (ns, rank)))
        .ToDictionary(x => x.ns, x => x.rank, StringComparer.Ordinal);

    /// <summary>Every use of a namespace that is not strictly lower, with one example each; empty when the graph keeps the order.</summary>
    public static IReadOnlyList<string> Violations(NamespaceGraph graph, IReadOnlyDictionary<string, int> rank)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(rank);
        var violations = new List<string>();
        foreach (var (from, targets) in graph.Edges.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            foreach (var (to, example) in targets.OrderBy(t => t.Key, StringComparer.Ordinal))
            {
                if (!rank.TryGetValue(from, out var fromRank) || !rank.TryGetValue(to, out var toRank)) continue; // reported as unplaced
                if (toRank >= fromRank)
                {
                    violations.Add($"{from} -> {to} ({(toRank == fromRank ? "same layer" : "a layer above")}): {example}");
                }
            }
        }
        return violations;
    }
}
