using System.Text.Json.Serialization;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// Source-generated JSON for guest tokens: no reflection on the hot path, and strict reading: a required claim that
/// is missing, a null where the type says none, or a duplicated property (a classic way to make two parsers read one
/// token differently) fails instead of yielding defaults.
/// </summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(GuestTokenClaims))]
[JsonSerializable(typeof(JwsHeader))]
internal sealed partial class GuestTokenJson : JsonSerializerContext;
