using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InsightPulse.Core.Bi;

/// <summary>
/// Reads a filter's values as text whatever JSON gave them (strings, numbers, booleans, null): they are bound as
/// text and cast to the column's type by PostgreSQL, so a number and its string are the same filter.
/// </summary>
internal sealed class FilterValuesConverter : JsonConverter<IReadOnlyList<string?>>
{
    public override IReadOnlyList<string?> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray) return [ReadOne(ref reader)];
        var values = new List<string?>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray) values.Add(ReadOne(ref reader));
        return values;
    }

    private static string? ReadOne(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.TryGetInt64(out var l) ? l.ToString(CultureInfo.InvariantCulture) : reader.GetDecimal().ToString(CultureInfo.InvariantCulture),
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => null,
        _ => throw new JsonException("A filter value is a string, a number, a boolean or null."),
    };

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string?> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var v in value) writer.WriteStringValue(v);
        writer.WriteEndArray();
    }
}
