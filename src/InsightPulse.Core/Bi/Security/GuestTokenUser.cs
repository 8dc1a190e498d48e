using System.Text.Json.Serialization;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// The <c>user</c> claim: who the embedded dashboard is shown to. Superset's <c>GuestTokenUser</c> has every field
/// optional, so an absent one is left out of the token rather than written as null.
/// </summary>
public sealed record GuestTokenUser(
    [property: JsonPropertyName("username")] string? Username = null,
    [property: JsonPropertyName("first_name")] string? FirstName = null,
    [property: JsonPropertyName("last_name")] string? LastName = null);
