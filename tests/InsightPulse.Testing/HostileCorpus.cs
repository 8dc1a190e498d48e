using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace InsightPulse.Testing;

/// <summary>
/// The hostile-input corpus: <c>tests/hostile/&lt;entry point&gt;.jsonl</c>, one case per line (format in
/// <c>tests/hostile/README.md</c>). A line with <c>each</c> stands for the cross product of its lists (hostile labels ×
/// fields), expanded here in file order, so the cases and their count are the same on every run.
/// </summary>
public static partial class HostileCorpus
{
    public static string Folder => RepositoryRoot.File("tests", "hostile");

    /// <summary>The entry points, one file each.</summary>
    public static IReadOnlyList<string> EntryPoints =>
        [.. Directory.GetFiles(Folder, "*.jsonl").Select(f => Path.GetFileNameWithoutExtension(f)).Order(StringComparer.Ordinal)];

    /// <summary>Every case of <paramref name="entry"/>, expanded.</summary>
    public static IReadOnlyList<HostileCase> Load(string entry)
    {
        var path = Path.Combine(Folder, entry + ".jsonl");
        var cases = new List<HostileCase>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var node = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{path}:{lineNumber}: a case is a JSON object.");
            foreach (var expanded in Expand(node)) cases.Add(new HostileCase(entry, expanded, $"{Path.GetFileName(path)}:{lineNumber}"));
        }
        var duplicate = cases.GroupBy(c => c.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidDataException($"{path}: the id '{duplicate.Key}' is used {duplicate.Count()} times.");
        return cases;
    }

    private static IEnumerable<JsonObject> Expand(JsonObject template)
    {
        if (template["each"] is not JsonObject each) return [template];
        var body = template.DeepClone().AsObject();
        body.Remove("each");
        var text = body.ToJsonString();
        IEnumerable<Dictionary<string, string>> combinations = [new Dictionary<string, string>(StringComparer.Ordinal)];
        foreach (var (name, values) in each)
        {
            var list = values switch
            {
                JsonArray array => array.Select(v => v!.GetValue<string>()).ToList(),
                JsonObject { } set when set["$set"] is JsonValue setName => HostileInput.Set(setName.GetValue<string>())
                    .Except(set["except"]?.AsArray().Select(e => e!.GetValue<string>()) ?? [], StringComparer.Ordinal).ToList(),
                _ => throw new InvalidDataException($"each.{name}: a list of values or {{\"$set\": name, \"except\": [labels]}}."),
            };
            foreach (var value in list)
            {
                if (!PlainToken().IsMatch(value)) throw new InvalidDataException($"each.{name}: '{value}' is not a plain token.");
            }
            combinations = combinations.SelectMany(c => list.Select(v => new Dictionary<string, string>(c, StringComparer.Ordinal) { [name] = v })).ToList();
        }
        return combinations.Select(c =>
        {
            var expanded = c.Aggregate(text, (current, pair) => current.Replace("{" + pair.Key + "}", pair.Value, StringComparison.Ordinal));
            return JsonNode.Parse(expanded)!.AsObject();
        });
    }

    /// <summary>
    /// <paramref name="node"/> with its expressions replaced: <c>{"$hostile": label}</c>, <c>{"$repeat": text, "times": n}</c>,
    /// <c>{"$concat": [parts]}</c>, <c>{"$number": text}</c> (a JSON number of that text), <c>{"$url": text}</c> (percent-encoded for a path or query), <c>{"$literal": value}</c> (the
    /// value as written, for a body whose own keys start with '$'); any other <c>{"$name": …}</c> goes to <paramref name="custom"/> (a runner's own:
    /// tokens, cookies, ids it made). Strings may hold what JSON cannot write (lone surrogates): write them with <see cref="ToJson"/>.
    /// </summary>
    public static JsonNode? Resolve(JsonNode? node, Func<string, JsonNode, JsonNode?>? custom = null)
    {
        switch (node)
        {
            case JsonObject obj when obj.Count >= 1 && obj.First().Key.StartsWith('$'):
                var (name, argument) = obj.First();
                return name switch
                {
                    "$hostile" => JsonValue.Create(HostileInput.Get(argument!.GetValue<string>())),
                    "$repeat" => JsonValue.Create(string.Concat(Enumerable.Repeat(Text(Resolve(argument, custom)), obj["times"]!.GetValue<int>()))),
                    "$concat" => JsonValue.Create(string.Concat(argument!.AsArray().Select(part => Text(Resolve(part, custom))))),
                    "$number" => JsonNode.Parse(Text(Resolve(argument, custom))),
                    "$url" => JsonValue.Create(PercentEncode(Text(Resolve(argument, custom)))),
                    "$literal" => argument?.DeepClone(),
                    _ => custom is null
                        ? throw new InvalidDataException($"Unknown expression {name}.")
                        : custom(name, obj),
                };
            case JsonObject obj:
                var copy = new JsonObject();
                foreach (var (key, value) in obj) copy[key] = Resolve(value, custom);
                return copy;
            case JsonArray array:
                return new JsonArray([.. array.Select(item => Resolve(item, custom))]);
            default:
                return node?.DeepClone();
        }
    }

    /// <summary>A resolved string (or the text of a number).</summary>
    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    /// <summary>
    /// JSON text of a resolved node, escaping every non-ASCII character as <c>\uXXXX</c>: a lone surrogate is written
    /// as its escape (as an attacker would), where System.Text.Json refuses to write it. Numbers keep their text (<c>1e400</c>).
    /// </summary>
    public static string ToJson(JsonNode? node)
    {
        var builder = new StringBuilder();
        Write(builder, node);
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, JsonNode? node)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj:
                builder.Append('{');
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!first) builder.Append(',');
                    first = false;
                    WriteString(builder, key);
                    builder.Append(':');
                    Write(builder, value);
                }
                builder.Append('}');
                break;
            case JsonArray array:
                builder.Append('[');
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) builder.Append(',');
                    Write(builder, array[i]);
                }
                builder.Append(']');
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                WriteString(builder, value.GetValue<string>());
                break;
            default:
                builder.Append(node.ToJsonString());
                break;
        }
    }

    private static void WriteString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            if (c is '"' or '\\') builder.Append('\\').Append(c);
            else if (c < 0x20 || c > 0x7e) builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else builder.Append(c);
        }
        builder.Append('"');
    }

    /// <summary>
    /// Every byte outside the unreserved set percent-encoded (UTF-8), as a hostile client writes a path, query or form
    /// value; a lone surrogate goes out as the three bytes UTF-8 would give it (invalid UTF-8: ED A0..BF 80..BF).
    /// </summary>
    public static string PercentEncode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder();
        var bytes = new byte[4];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
                continue;
            }
            int length;
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                length = new Rune(c, text[++i]).EncodeToUtf8(bytes);
            }
            else if (char.IsSurrogate(c))
            {
                (bytes[0], bytes[1], bytes[2], length) = ((byte)0xED, (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F)), 3);
            }
            else
            {
                length = new Rune(c).EncodeToUtf8(bytes);
            }
            foreach (var b in bytes.AsSpan(0, length)) builder.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    [GeneratedRegex(@"\A[A-Za-z0-9_.-]+\z")]
    private static partial Regex PlainToken();
}
