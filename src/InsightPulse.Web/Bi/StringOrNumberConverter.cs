using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace InsightPulse.Web.Bi;

/// <summary>A dashboard id as Superset's clients send it: a number (its id) or a string (slug or uuid), read as text.</summary>
internal sealed class StringOrNumberConverter : JsonConverter<string?>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.TryGetInt64(out var id) ? id.ToString(CultureInfo.InvariantCulture) : throw new JsonException("An id is a whole number that fits 64 bits."),
        JsonTokenType.Null => null,
        _ => throw new JsonException("An id is a number or a string."),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
