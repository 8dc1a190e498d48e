using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The HTTP entry points of the hostile-input corpus (<c>tests/hostile/</c>), each file on one web host
/// (<see cref="HostileWebHost"/>): every case must be answered with its 4xx — problem details naming the field or JSON
/// position under <c>/api</c>, a page showing the error elsewhere — never a 5xx or a stack trace, and must change
/// nothing: the platform database and the home folder are compared after each case, every database of the server
/// (registry, tenant stores, shared data) before and after the whole file.
/// </summary>
[Collection(Lanes.Http)]
public sealed class HostileHttpTests(PostgresFixture postgres, HostileWebHost host, ITestOutputHelper output) : IClassFixture<HostileWebHost>, IAsyncLifetime
{
    public static readonly TheoryData<string> EntryPoints = new(
        "operator-api", "console-forms", "sign-in", "finance-forms", "guest-tokens", "rls-and-chart-specs", "hosts-and-headers", "cookies-and-sessions");

    public async Task InitializeAsync() => await host.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public async Task Every_case_is_refused_with_a_clear_4xx_and_changes_nothing(string entry)
    {
        var cases = HostileCorpus.Load(entry);
        var clock = Stopwatch.StartNew();
        var before = await PlatformSnapshot.TakeAsync(host.Postgres, host.Folders);
        var platformOnly = new[] { PlatformScope.PlatformDatabase };
        var last = await PlatformSnapshot.TakeAsync(host.Postgres, host.Folders, platformOnly);
        var failures = new List<string>();
        foreach (var hostile in cases)
        {
            try
            {
                var (path, response) = await host.SendAsync(hostile);
                failures.AddRange(Check(hostile, path, response).Select(problem => $"{hostile}: {problem}\n    {response}"));
            }
            catch (Exception e) when (e is IOException or InvalidDataException or System.Net.Sockets.SocketException or KeyNotFoundException)
            {
                failures.Add($"{hostile}: {e.GetType().Name}: {e.Message}");
            }
            var now = await PlatformSnapshot.TakeAsync(host.Postgres, host.Folders, platformOnly);
            failures.AddRange(now.Changes(last).Select(change => $"{hostile}: {change}"));
            last = now;
        }
        var after = await PlatformSnapshot.TakeAsync(host.Postgres, host.Folders);
        failures.AddRange(after.Changes(before).Select(change => $"after the whole file: {change}"));
        output.WriteLine($"{entry}: {cases.Count} case(s) in {clock.Elapsed.TotalSeconds:0.0} s, {before.Count} snapshot entries compared");
        Assert.True(failures.Count == 0, $"{failures.Count} failure(s) of {cases.Count} case(s):\n" + string.Join("\n", failures));
    }

    /// <summary>What is wrong with <paramref name="response"/> to <paramref name="hostile"/>; nothing when it is a clear refusal.</summary>
    private static IEnumerable<string> Check(HostileCase hostile, string path, RawHttp.Response response)
    {
        if (response.Status is < 400 or > 499) yield return $"status {response.Status} is not a 4xx";
        if (hostile.Statuses.Count > 0 && !hostile.Statuses.Contains(response.Status)) yield return $"status {response.Status}, expected {string.Join(" or ", hostile.Statuses)}";
        var server = hostile.Expected("server")?.GetValue<bool>() == true; // refused by Kestrel itself, before the app: an empty body
        if (server)
        {
            if (response.Body.Length > 0) yield return "Kestrel's own refusal was expected, but the app answered";
            yield break;
        }
        var text = response.Body;
        var acceptsJson = HostileCorpus.Text((hostile.Data["request"]?["headers"] as JsonObject)?["Accept"]).Contains("json", StringComparison.Ordinal);
        if (path.StartsWith("/api/", StringComparison.Ordinal) || acceptsJson)
        {
            if (response.MediaType != "application/problem+json") yield return $"Content-Type '{response.MediaType}', expected application/problem+json";
            JsonElement problem = default;
            var parsed = true;
            try
            {
                problem = JsonDocument.Parse(response.Body).RootElement;
            }
            catch (JsonException)
            {
                parsed = false;
            }
            if (!parsed || problem.ValueKind != JsonValueKind.Object || !problem.TryGetProperty("title", out _)) yield return "the body is no problem document (title missing)";
            else if (!problem.TryGetProperty("status", out var status) || status.GetInt32() != response.Status) yield return "the problem's status differs from the response's";
        }
        else
        {
            if (response.MediaType != "text/html") yield return $"Content-Type '{response.MediaType}', expected a page (text/html)";
            text = WebUtility.HtmlDecode(text);
        }
        foreach (var name in hostile.Names.Where(name => !text.Contains(name, StringComparison.OrdinalIgnoreCase)))
        {
            yield return $"the answer does not name '{name}'";
        }
        foreach (var leak in hostile.Leaks(text)) yield return leak;
    }
}
