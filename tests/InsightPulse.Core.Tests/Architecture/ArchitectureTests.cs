namespace InsightPulse.Core.Tests.Architecture;

/// <summary>
/// The shape of the code, checked on the compiled assemblies: one dependency direction between namespaces
/// (<see cref="Layers"/>), no cycle, and no benchmark code in Core or the web host.
/// </summary>
public sealed class ArchitectureTests
{
    /// <summary>Core, web host, benchmarks, CLI: the assemblies we ship, as built beside these tests.</summary>
    private static readonly string[] Assemblies =
        ["InsightPulse.Core.dll", "InsightPulse.Web.dll", "InsightPulse.Bench.dll", "ipai.dll"];

    private static readonly Lazy<NamespaceGraph> Graph = new(() =>
        NamespaceGraph.Read(Assemblies.Select(name => Path.Combine(AppContext.BaseDirectory, name)), "InsightPulse"));

    [Fact]
    public void No_namespace_uses_one_beside_or_above_it()
    {
        var violations = Layers.Violations(Graph.Value, Layers.Rank);

        Assert.True(violations.Count == 0, "Back-edges (see Architecture/Layers.cs and docs/architecture.md):\n" + string.Join("\n", violations));
    }

    [Fact]
    public void The_namespaces_form_no_cycle()
    {
        var cycles = Graph.Value.Cycles();

        Assert.True(cycles.Count == 0, "Cycles:\n" + string.Join("\n", cycles.Select(c => string.Join(" -> ", c))));
    }

    [Fact]
    public void Every_namespace_has_a_layer_and_every_layer_a_namespace()
    {
        var seen = Graph.Value.Namespaces;

        Assert.Empty(seen.Where(ns => !Layers.Rank.ContainsKey(ns)).Order(StringComparer.Ordinal));
        Assert.Empty(Layers.Rank.Keys.Where(ns => !seen.Contains(ns)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_graph_sees_uses_in_signatures_and_in_method_bodies()
    {
        var edges = Graph.Value.Edges;

        // A constructor parameter: TenantRegistry(PlatformDatabases).
        Assert.Contains("InsightPulse.Core.Databases", edges["InsightPulse.Core.Tenants"].Keys);
        // Only inside a method body: CliApp calls AddInsightPulseBench.
        Assert.Contains("InsightPulse.Bench", edges["InsightPulse.Cli"].Keys);
    }

    [Fact]
    public void A_use_of_a_namespace_beside_or_above_is_reported_with_its_example()
    {
        var graph = NamespaceGraph.Of(
            ("InsightPulse.Core.Tenants", "InsightPulse.Core.Postgres"),      // down: allowed
            ("InsightPulse.Core.Tenants", "InsightPulse.Core.Provisioning"),  // up: a back-edge
            ("InsightPulse.Core.Tenants", "InsightPulse.Core.Modules"));      // beside: not allowed either

        var violations = Layers.Violations(graph, Layers.Rank);

        Assert.Equal(
            ["InsightPulse.Core.Tenants -> InsightPulse.Core.Modules (same layer): given",
             "InsightPulse.Core.Tenants -> InsightPulse.Core.Provisioning (a layer above): given"],
            violations);
        Assert.Equal([["InsightPulse.Core.A", "InsightPulse.Core.B", "InsightPulse.Core.A"]],
            NamespaceGraph.Of(("InsightPulse.Core.A", "InsightPulse.Core.B"), ("InsightPulse.Core.B", "InsightPulse.Core.A")).Cycles());
    }

    [Theory]
    [InlineData("InsightPulse.Core.dll")]
    [InlineData("InsightPulse.Web.dll")]
    public void Core_and_the_web_host_ship_no_benchmark_code(string assembly)
    {
        using var module = Mono.Cecil.ModuleDefinition.ReadModule(Path.Combine(AppContext.BaseDirectory, assembly));

        var benchmarks = module.GetTypes().Select(t => t.FullName)
            .Where(name => name.Contains("Bench", StringComparison.Ordinal) || name.Contains("Wrk", StringComparison.Ordinal)).ToList();

        Assert.Empty(benchmarks);
    }
}
