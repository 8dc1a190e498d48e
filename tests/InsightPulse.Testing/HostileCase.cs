using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace InsightPulse.Testing;

/// <summary>
/// One case of the hostile-input corpus: its <see cref="Id"/>, what it tries (<see cref="About"/>), the entry point's
/// own fields (<see cref="Data"/>: <c>request</c>, <c>args</c>, <c>archive</c>, <c>module</c>…) and what must come back:
/// <see cref="Statuses"/> (an HTTP 4xx) or <see cref="Exit"/> (the CLI's 2), and <see cref="Names"/>, the field,
/// argument or position the answer must name.
/// </summary>
public sealed partial record HostileCase(string Entry, JsonObject Data, string Source)
{
    public string Id => Data["id"]?.GetValue<string>() ?? throw new InvalidDataException($"{Source}: a case needs an id.");

    public string About => Data["about"]?.GetValue<string>() ?? "";

    private JsonObject Expect => Data["expect"] as JsonObject ?? throw new InvalidDataException($"{Source} ({Id}): a case needs expect.");

    /// <summary>The statuses the answer may have (one or several, all 4xx).</summary>
    public IReadOnlyList<int> Statuses => Expect["status"] switch
    {
        JsonArray list => [.. list.Select(s => s!.GetValue<int>())],
        JsonValue one => [one.GetValue<int>()],
        _ => [],
    };

    public int? Exit => Expect["exit"]?.GetValue<int>();

    /// <summary>Texts the answer must contain (case-insensitively): the field, argument or JSON position it names.</summary>
    public IReadOnlyList<string> Names => Expect["names"] switch
    {
        JsonArray list => [.. list.Select(s => s!.GetValue<string>())],
        JsonValue one => [one.GetValue<string>()],
        _ => [],
    };

    /// <summary>An entry point's own expectation beside status and names (e.g. <c>location</c> of a redirect that must not happen).</summary>
    public JsonNode? Expected(string name) => Expect[name];

    /// <summary>
    /// What an answer must never show, whatever the case: a stack frame, an exception's type name or a driver's name; and
    /// the texts of <c>expect.absent</c> (another tenant's data, a file's content). One problem per finding.
    /// </summary>
    public IEnumerable<string> Leaks(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (Internals().Match(text) is { Success: true } trace) yield return $"the answer shows a stack trace or exception: '{trace.Value}'";
        foreach (var absent in Expected("absent")?.AsArray().Select(a => a!.GetValue<string>()) ?? [])
        {
            if (text.Contains(absent, StringComparison.OrdinalIgnoreCase)) yield return $"the answer shows '{absent}', which it must not";
        }
    }

    public override string ToString() => $"{Id} ({Source})";

    /// <summary>A stack frame ("at Namespace.Type.Method("), an exception's type name, or a driver's or runtime's name.</summary>
    [GeneratedRegex(@"\bat [A-Z][\w.`<>]*\.[\w<>]+\(|\b[A-Z]\w*Exception\b|Npgsql|System\.[A-Z]\w+\.")]
    private static partial Regex Internals();
}
