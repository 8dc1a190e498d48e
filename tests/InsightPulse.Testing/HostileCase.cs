using System.Text.Json.Nodes;

namespace InsightPulse.Testing;

/// <summary>
/// One case of the hostile-input corpus: its <see cref="Id"/>, what it tries (<see cref="About"/>), the entry point's
/// own fields (<see cref="Data"/>: <c>request</c>, <c>args</c>, <c>archive</c>, <c>module</c>…) and what must come back:
/// <see cref="Statuses"/> (an HTTP 4xx) or <see cref="Exit"/> (the CLI's 2), and <see cref="Names"/>, the field,
/// argument or position the answer must name.
/// </summary>
public sealed record HostileCase(string Entry, JsonObject Data, string Source)
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

    public override string ToString() => $"{Id} ({Source})";
}
