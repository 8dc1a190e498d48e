using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace InsightPulse.Core.Tests.Bi;

/// <summary>
/// A second, independent way to make compact JWS in the tests: any header and payload text, signed with HS256 (or
/// HS512) by hand, so a test can present a token our issuer would never write.
/// </summary>
public static class TestJws
{
    public static string Encode(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));

    public static string Decode(string segment) => Encoding.UTF8.GetString(Base64Url.DecodeFromChars(segment));

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static string Sign(string headerJson, string payloadJson, string secret, bool hs512 = false)
    {
        var signingInput = Encode(headerJson) + "." + Encode(payloadJson);
        var key = Encoding.UTF8.GetBytes(secret);
        var input = Encoding.ASCII.GetBytes(signingInput);
        var mac = hs512 ? HMACSHA512.HashData(key, input) : HMACSHA256.HashData(key, input);
        return signingInput + "." + Base64Url.EncodeToString(mac);
    }

    /// <summary>The header PyJWT writes for HS256.</summary>
    public const string Hs256Header = """{"alg":"HS256","typ":"JWT"}""";

    /// <summary>A guest payload as Superset writes it, valid from <paramref name="iat"/> for 300 s; pieces can be swapped.</summary>
    public static string GuestPayload(
        double iat,
        string audience = "http://0.0.0.0:8080/",
        string type = "\"guest\"",
        string resources = """[{"type":"dashboard","id":"d-1"}]""",
        string? exp = null) =>
        $$"""{"user":{"username":"ana"},"resources":{{resources}},"rls_rules":[],"iat":{{Number(iat)}},"exp":{{exp ?? Number(iat + 300)}},"aud":"{{audience}}","type":{{type}}}""";
}
