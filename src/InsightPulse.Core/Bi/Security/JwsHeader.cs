using System.Text.Json;
using System.Text.Json.Serialization;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// The JOSE header fields a validator must look at: <c>alg</c>, decided before anything else, and <c>crit</c>,
/// whose presence means an extension we do not implement (RFC 7515 §4.1.11 says to refuse the token then).
/// </summary>
internal sealed record JwsHeader(
    [property: JsonPropertyName("alg")] string? Algorithm = null,
    [property: JsonPropertyName("crit")] JsonElement? Critical = null);
