using System.Text.Json.Serialization;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// The payload of a guest token, claim for claim as Superset's <c>create_guest_access_token</c> writes it and in its
/// order. <c>iat</c> and <c>exp</c> are seconds since the Unix epoch; Superset writes them with the fraction of
/// Python's <c>time.time()</c>, which reads as well as the whole seconds <see cref="GuestTokens"/> writes.
/// </summary>
public sealed record GuestTokenClaims(
    [property: JsonPropertyName("user")] GuestTokenUser User,
    [property: JsonPropertyName("resources")] IReadOnlyList<GuestTokenResource> Resources,
    [property: JsonPropertyName("rls_rules")] IReadOnlyList<GuestTokenRlsRule> RlsRules,
    [property: JsonPropertyName("iat")] double IssuedAt,
    [property: JsonPropertyName("exp")] double ExpiresAt,
    [property: JsonPropertyName("aud")] string Audience,
    [property: JsonPropertyName("type")] string Type)
{
    /// <summary>The value of <c>type</c> that tells a guest token from any other JWT signed with the same key.</summary>
    public const string GuestType = "guest";

    /// <summary><see cref="IssuedAt"/> as a point in time (millisecond precision).</summary>
    [JsonIgnore]
    public DateTimeOffset IssuedAtTime => FromUnixSeconds(IssuedAt);

    /// <summary><see cref="ExpiresAt"/> as a point in time (millisecond precision).</summary>
    [JsonIgnore]
    public DateTimeOffset ExpiresAtTime => FromUnixSeconds(ExpiresAt);

    /// <summary>The JWT NumericDate of <paramref name="time"/>: seconds since the epoch, to the millisecond.</summary>
    public static double ToUnixSeconds(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static DateTimeOffset FromUnixSeconds(double seconds) =>
        DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000.0));
}
