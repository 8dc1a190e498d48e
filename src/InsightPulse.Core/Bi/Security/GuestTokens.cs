using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// Issues and checks guest tokens exactly as Apache Superset does (<c>create_guest_access_token</c> and
/// <c>parse_jwt_guest_token</c>): a compact JWS signed with HS256 whose payload is <see cref="GuestTokenClaims"/>, so
/// the embedded SDK, Superset and we accept each other's tokens under one shared secret.
/// </summary>
/// <remarks>
/// Hand-written on HMACSHA256, System.Text.Json and Base64Url rather than on Microsoft.IdentityModel.JsonWebTokens:
/// the payload must be Superset's claims and nothing else (IdentityModel adds <c>nbf</c>), fractional times must read,
/// the header's <c>alg</c> must be decided before anything else is parsed, every refusal maps to one
/// <see cref="GuestTokenFailureReason"/>, and Development must work with Superset's 27-byte default secret, which
/// IdentityModel refuses as an HS256 key. It is also faster: about 100,000 tokens issued and verified per second on
/// one core against IdentityModel's 65,000 (docs/architecture.md, "BI security"); the goal was 20,000.
/// </remarks>
public sealed class GuestTokens
{
    /// <summary>How far a token's <c>iat</c> may lie in the future: the issuing node's clock may run a little ahead.</summary>
    public static readonly TimeSpan AllowedClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>Longer input is refused unread, so a hostile header costs no hashing or parsing.</summary>
    public const int MaxTokenLength = 64 * 1024;

    private const int MacLength = 32;

    /// <summary>The base64url text of a 32-byte MAC, without padding.</summary>
    private const int SignatureLength = 43;

    /// <summary>PyJWT's header for HS256, byte for byte (sorted keys, no spaces): Superset's tokens start with it.</summary>
    private static readonly string EncodedHeader = Base64Url.EncodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}"u8);

    private readonly GuestTokenOptions _options;
    private readonly byte[] _key;
    private readonly TimeProvider _clock;

    /// <summary>Refuses options with any <see cref="GuestTokenOptions.Problems"/>: a weak key must stop start-up, not be used.</summary>
    public GuestTokens(GuestTokenOptions options, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(clock);
        options.ThrowIfInvalid();
        _options = options;
        _key = Encoding.UTF8.GetBytes(options.EffectiveSecret());
        _clock = clock;
    }

    /// <summary>The request header that carries a guest token (<c>GUEST_TOKEN_HEADER_NAME</c>).</summary>
    public string HeaderName => _options.HeaderName;

    /// <summary>How long an issued token is valid (<c>GUEST_TOKEN_JWT_EXP_SECONDS</c>).</summary>
    public TimeSpan Lifetime => TimeSpan.FromSeconds(_options.ExpSeconds);

    /// <summary>
    /// A signed token for <paramref name="user"/> that opens <paramref name="resources"/> (at least one dashboard)
    /// with <paramref name="rlsRules"/> applied, valid from now for <see cref="Lifetime"/>. The rules' clauses are
    /// carried as given: whoever builds them checks them with <see cref="RlsClause.Parse"/> first.
    /// </summary>
    public string Issue(GuestTokenUser user, IReadOnlyList<GuestTokenResource> resources, IReadOnlyList<GuestTokenRlsRule> rlsRules)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(rlsRules);
        if (resources.Count == 0)
        {
            throw new ArgumentException("A guest token must grant at least one dashboard.", nameof(resources));
        }
        if (!resources.All(IsDashboard))
        {
            throw new ArgumentException($"Every resource must be a '{GuestTokenResource.DashboardType}' with an id.", nameof(resources));
        }
        if (rlsRules.Any(rule => rule?.Clause is null))
        {
            throw new ArgumentException("Every RLS rule must have a clause.", nameof(rlsRules));
        }

        // Whole seconds: PyJWT 2.6 (Debian 12's) compares iat with a whole-second "now" and would refuse, for up to a
        // second, the fraction Superset's time.time() writes; every validator accepts an integer NumericDate.
        double issuedAt = _clock.GetUtcNow().ToUnixTimeSeconds();
        var claims = new GuestTokenClaims(
            user, resources, rlsRules, issuedAt, issuedAt + _options.ExpSeconds, _options.Audience, GuestTokenClaims.GuestType);
        var payload = JsonSerializer.SerializeToUtf8Bytes(claims, GuestTokenJson.Default.GuestTokenClaims);
        var signingInput = EncodedHeader + "." + Base64Url.EncodeToString(payload);
        Span<byte> signature = stackalloc byte[SignatureLength];
        Sign(signingInput.AsSpan(), signature);
        return signingInput + "." + Encoding.ASCII.GetString(signature);
    }

    /// <summary>
    /// The claims of <paramref name="token"/> when it is a valid guest token; otherwise a
    /// <see cref="GuestTokenException"/> whose <see cref="GuestTokenException.Reason"/> says why. Checks run in
    /// this order: shape, the header's <c>alg</c> (before anything else is trusted), the signature (compared in
    /// constant time, before the payload is parsed), <c>type</c>, <c>exp</c>, <c>iat</c>, <c>aud</c>, resources.
    /// </summary>
    public GuestTokenClaims Validate(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength) throw Refuse(GuestTokenFailureReason.Malformed);
        var firstDot = token.IndexOf('.', StringComparison.Ordinal);
        var secondDot = firstDot < 0 ? -1 : token.IndexOf('.', firstDot + 1);
        if (firstDot <= 0 || secondDot < 0 || token.IndexOf('.', secondDot + 1) >= 0)
        {
            throw Refuse(GuestTokenFailureReason.Malformed);
        }

        CheckAlgorithm(token.AsSpan(0, firstDot));
        CheckSignature(token.AsSpan(0, secondDot), token.AsSpan(secondDot + 1));
        var claims = ReadClaims(token.AsSpan(firstDot + 1, secondDot - firstDot - 1));
        CheckClaims(claims);
        return claims;
    }

    /// <summary>
    /// Only the configured algorithm passes: <c>none</c>, a missing <c>alg</c>, RS256 with our secret as a "public
    /// key", HS512… are all refused here. Our own header needs no parsing; any other is read strictly.
    /// </summary>
    private void CheckAlgorithm(ReadOnlySpan<char> encodedHeader)
    {
        if (encodedHeader.SequenceEqual(EncodedHeader)) return;
        var header = Deserialize(encodedHeader, GuestTokenJson.Default.JwsHeader);
        if (!string.Equals(header.Algorithm, _options.Algorithm, StringComparison.Ordinal))
        {
            throw Refuse(GuestTokenFailureReason.AlgorithmNotAllowed);
        }
        if (header.Critical is not null) throw Refuse(GuestTokenFailureReason.Malformed);
    }

    /// <summary>
    /// Compares the base64url text of the expected MAC with the token's, in constant time. Comparing the text (not
    /// decoded bytes) also refuses padded or non-canonical encodings of a valid MAC, so a token has one spelling.
    /// </summary>
    private void CheckSignature(ReadOnlySpan<char> signingInput, ReadOnlySpan<char> signature)
    {
        if (signature.Length != SignatureLength) throw Refuse(GuestTokenFailureReason.BadSignature);
        Span<byte> expected = stackalloc byte[SignatureLength];
        Sign(signingInput, expected);
        Span<byte> actual = stackalloc byte[SignatureLength];
        Encoding.ASCII.GetBytes(signature, actual); // a non-ASCII character becomes '?', which base64url never writes
        if (!CryptographicOperations.FixedTimeEquals(expected, actual)) throw Refuse(GuestTokenFailureReason.BadSignature);
    }

    private static GuestTokenClaims ReadClaims(ReadOnlySpan<char> encodedPayload)
    {
        var claims = Deserialize(encodedPayload, GuestTokenJson.Default.GuestTokenClaims);
        if (claims.Resources.Any(resource => resource is null) || claims.RlsRules.Any(rule => rule is null)
            || !double.IsFinite(claims.IssuedAt) || !double.IsFinite(claims.ExpiresAt))
        {
            throw Refuse(GuestTokenFailureReason.Malformed);
        }
        return claims;
    }

    private void CheckClaims(GuestTokenClaims claims)
    {
        if (!string.Equals(claims.Type, GuestTokenClaims.GuestType, StringComparison.Ordinal))
        {
            throw Refuse(GuestTokenFailureReason.WrongType);
        }
        var now = _clock.GetUtcNow();
        if (GuestTokenClaims.ToUnixSeconds(now) >= claims.ExpiresAt) throw Refuse(GuestTokenFailureReason.Expired);
        if (claims.IssuedAt > GuestTokenClaims.ToUnixSeconds(now + AllowedClockSkew))
        {
            throw Refuse(GuestTokenFailureReason.NotYetValid);
        }
        if (!string.Equals(claims.Audience, _options.Audience, StringComparison.Ordinal))
        {
            throw Refuse(GuestTokenFailureReason.WrongAudience);
        }
        if (claims.Resources.Count == 0) throw Refuse(GuestTokenFailureReason.NoResources);
        if (!claims.Resources.All(IsDashboard)) throw Refuse(GuestTokenFailureReason.Malformed);
    }

    /// <summary>Writes the base64url text of HMAC-SHA256(key, ASCII of <paramref name="signingInput"/>) into <paramref name="destination"/>.</summary>
    private void Sign(ReadOnlySpan<char> signingInput, Span<byte> destination)
    {
        var input = new byte[signingInput.Length];
        Encoding.ASCII.GetBytes(signingInput, input);
        Span<byte> mac = stackalloc byte[MacLength];
        HMACSHA256.HashData(_key, input, mac);
        Base64Url.EncodeToUtf8(mac, destination);
    }

    private static T Deserialize<T>(ReadOnlySpan<char> base64Url, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(Base64Url.DecodeFromChars(base64Url), type)
                ?? throw Refuse(GuestTokenFailureReason.Malformed);
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw Refuse(GuestTokenFailureReason.Malformed, e);
        }
    }

    private static bool IsDashboard(GuestTokenResource? resource) =>
        resource is { Type: GuestTokenResource.DashboardType, Id.Length: > 0 };

    private static GuestTokenException Refuse(GuestTokenFailureReason reason, Exception? inner = null) => new(reason, inner);
}
