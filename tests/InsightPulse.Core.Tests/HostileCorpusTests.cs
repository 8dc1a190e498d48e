using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace InsightPulse.Core.Tests;

/// <summary>
/// The hostile-input corpus as data (<c>tests/hostile/</c>): every file is an entry point a runner covers, every case
/// expands and expects a refusal (an HTTP 4xx or the CLI's exit 2), ids are unique, and there are at least 300 cases.
/// The runners are HostileHttpTests (Web.Tests) and HostileCliTests (IntegrationTests).
/// </summary>
public sealed class HostileCorpusTests(ITestOutputHelper output)
{
    /// <summary>Each file's runner: the HTTP entry points run against a web host, the others through the CLI.</summary>
    private static readonly Dictionary<string, string> Runners = new(StringComparer.Ordinal)
    {
        ["operator-api"] = "http", ["console-forms"] = "http", ["sign-in"] = "http", ["finance-forms"] = "http",
        ["guest-tokens"] = "http", ["rls-and-chart-specs"] = "http", ["hosts-and-headers"] = "http", ["cookies-and-sessions"] = "http",
        ["cli-arguments"] = "cli", ["webhooks"] = "cli", ["restore-archives"] = "cli", ["manifests-and-migrations"] = "cli",
    };

    [Fact]
    public void Every_entry_point_has_its_file_and_the_corpus_has_at_least_300_cases()
    {
        Assert.Equal(Runners.Keys.Order(StringComparer.Ordinal), HostileCorpus.EntryPoints);
        var total = 0;
        foreach (var entry in HostileCorpus.EntryPoints)
        {
            var cases = HostileCorpus.Load(entry);
            output.WriteLine($"{entry}: {cases.Count} case(s)");
            total += cases.Count;
            Assert.NotEmpty(cases);
            foreach (var hostile in cases)
            {
                Assert.False(string.IsNullOrWhiteSpace(hostile.About), $"{hostile} says nothing of what it tries");
                if (Runners[entry] == "http")
                {
                    Assert.True(hostile.Data["request"] is JsonObject, $"{hostile} has no request");
                    Assert.True(hostile.Statuses.Count > 0 && hostile.Statuses.All(s => s is >= 400 and < 500), $"{hostile} expects no 4xx");
                }
                else
                {
                    Assert.True(hostile.Data["args"] is JsonArray, $"{hostile} has no args");
                    Assert.True(hostile.Exit == 2, $"{hostile} expects no exit code 2");
                }
            }
        }
        output.WriteLine($"total: {total} case(s)");
        Assert.True(total >= 300, $"{total} case(s)");
    }

    [Fact]
    public void Expansion_is_deterministic()
    {
        foreach (var entry in HostileCorpus.EntryPoints)
        {
            Assert.Equal(HostileCorpus.Load(entry).Select(c => c.Data.ToJsonString()), HostileCorpus.Load(entry).Select(c => c.Data.ToJsonString()));
        }
    }
}
