using System.Security.Cryptography;
using System.Text;

namespace InsightPulse.Core.Events;

/// <summary>
/// The signature of a delivery, as GitHub signs its webhooks: header <c>X-Hub-Signature-256</c> =
/// <c>sha256=</c> + lower-case hex of HMAC-SHA256(secret, body bytes as sent). A receiver recomputes it over the raw
/// body and compares in constant time (docs/events.md has a ten-line example).
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Hub-Signature-256";
    private const string Prefix = "sha256=";

    public static string Sign(string secret, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        ArgumentNullException.ThrowIfNull(body);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));
    }

    /// <summary>True when <paramref name="header"/> is the signature of <paramref name="body"/> under <paramref name="secret"/>.</summary>
    public static bool Verify(string secret, string body, string? header)
    {
        if (header is null) return false;
        var expected = Encoding.ASCII.GetBytes(Sign(secret, body));
        var given = Encoding.ASCII.GetBytes(header);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
