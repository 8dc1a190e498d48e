using System.Text;
using System.Text.RegularExpressions;
using InsightPulse.Core.Postgres;
using Microsoft.Extensions.Configuration;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// How guest tokens are signed and checked, under Apache Superset's own setting names so that one set of environment
/// variables configures Superset and us alike (a token one issues, the other accepts). The secret never appears in
/// <see cref="ToString"/> or in a problem message.
/// </summary>
public sealed partial record GuestTokenOptions
{
    /// <summary>Superset's setting: the HMAC key shared by whoever issues and whoever checks guest tokens.</summary>
    public const string SecretSetting = "GUEST_TOKEN_JWT_SECRET";

    /// <summary>Superset's setting: the JWS algorithm (Superset's default, and the only one we accept, is HS256).</summary>
    public const string AlgorithmSetting = "GUEST_TOKEN_JWT_ALGO";

    /// <summary>Superset's setting: a token's lifetime in seconds.</summary>
    public const string ExpSecondsSetting = "GUEST_TOKEN_JWT_EXP_SECONDS";

    /// <summary>Superset's setting: the <c>aud</c> claim written and required.</summary>
    public const string AudienceSetting = "GUEST_TOKEN_JWT_AUDIENCE";

    /// <summary>Superset's setting: the request header that carries a guest token.</summary>
    public const string HeaderNameSetting = "GUEST_TOKEN_HEADER_NAME";

    /// <summary>The only algorithm accepted: Superset's default, an HMAC with SHA-256.</summary>
    public const string Hs256 = "HS256";

    /// <summary>Superset's default lifetime (5 minutes): the embedded SDK asks for a new token before it ends.</summary>
    public const int DefaultExpSeconds = 300;

    /// <summary>
    /// The longest lifetime we accept (one day): a guest token cannot be revoked, so a long one outlives the
    /// permission it was issued for.
    /// </summary>
    public const int MaxExpSeconds = 86_400;

    /// <summary>Superset's default header.</summary>
    public const string DefaultHeaderName = "X-GuestToken";

    /// <summary>
    /// The audience Superset uses when <c>GUEST_TOKEN_JWT_AUDIENCE</c> is unset: it falls back to its
    /// <c>WEBDRIVER_BASEURL</c>, whose default is this URL. Using the same fallback keeps us interchangeable with a
    /// Superset that runs on its defaults.
    /// </summary>
    public const string SupersetDefaultAudience = "http://0.0.0.0:8080/";

    /// <summary>
    /// The secret Superset ships in its <c>config.py</c>. Published, so anyone can forge tokens with it: accepted in
    /// Development only, where it lets a stock local Superset and us trust each other's tokens without set-up.
    /// </summary>
    public const string SupersetDefaultSecret = "test-guest-secret-change-me";

    /// <summary>An HMAC-SHA256 key shorter than its 32-byte output weakens it (RFC 7518 §3.2 asks for at least 256 bits).</summary>
    public const int MinSecretBytes = 32;

    /// <summary>How to make a good secret; every secret problem says it.</summary>
    public const string GenerateSecretFix =
        "generate one with `openssl rand -hex 32` and set it as the " + SecretSetting +
        " environment variable (the same value as Superset's " + SecretSetting + ").";

    /// <summary>
    /// Secrets that are published or are obvious placeholders (compared without case): Superset's shipped defaults
    /// for this setting and, because people reuse it here, for its SECRET_KEY (the keys CVE-2023-27524 is about),
    /// and the words people type while trying things out.
    /// </summary>
    private static readonly HashSet<string> KnownDefaults = new(StringComparer.OrdinalIgnoreCase)
    {
        SupersetDefaultSecret,
        "CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET",
        "tG5esXIVqp1TlnOF40zWW4zWxh7998zZy6M6aNIVCZNwSRn2T7kLfA2u",
        "thisISaSECRET_1234",
        "YOUR_OWN_RANDOM_GENERATED_SECRET_KEY",
        "TEST_NON_DEV_SECRET",
        "changeme", "change-me", "change_me", "secret", "password", "guest", "test", "default",
        "your-secret-key", "your_secret_key", "supersecret", "super-secret", "PASTE_GENERATED_SECRET_HERE",
    };

    /// <summary>The HMAC key (the UTF-8 bytes of this text, as PyJWT takes it); null when unset.</summary>
    public string? Secret { get; init; }

    /// <summary>The JWS <c>alg</c>; anything but <see cref="Hs256"/> is a configuration problem.</summary>
    public string Algorithm { get; init; } = Hs256;

    /// <summary>Lifetime of an issued token in seconds: its <c>exp</c> is its <c>iat</c> plus this.</summary>
    public int ExpSeconds { get; init; } = DefaultExpSeconds;

    /// <summary>The <c>aud</c> claim written on issue and required on validation.</summary>
    public string Audience { get; init; } = SupersetDefaultAudience;

    /// <summary>The request header that carries a guest token.</summary>
    public string HeaderName { get; init; } = DefaultHeaderName;

    /// <summary>
    /// True in the Development environment: a missing secret then means <see cref="SupersetDefaultSecret"/> and weak
    /// secrets are tolerated, so a local set-up works without configuration (and with a stock local Superset).
    /// </summary>
    public bool IsDevelopment { get; init; }

    /// <summary>
    /// Reads the five settings at the root of <paramref name="configuration"/> under Superset's names, so environment
    /// variables of exactly those names work. Empty values count as unset (Superset treats them so for the
    /// audience). An unreadable number is refused here, naming the setting; everything else is left to
    /// <see cref="Problems"/>.
    /// </summary>
    public static GuestTokenOptions FromConfiguration(IConfiguration configuration, bool isDevelopment)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var expText = Value(configuration, ExpSecondsSetting);
        var expSeconds = DefaultExpSeconds;
        if (expText is not null && !int.TryParse(expText, System.Globalization.NumberStyles.None, null, out expSeconds))
        {
            throw new GuestTokenConfigurationException(
                [$"{ExpSecondsSetting} is '{Sql.Printable(expText)}', not a whole number of seconds. Fix: set it between 1 and {MaxExpSeconds} (Superset's default is {DefaultExpSeconds}), or remove it."]);
        }
        return new GuestTokenOptions
        {
            Secret = Value(configuration, SecretSetting),
            Algorithm = Value(configuration, AlgorithmSetting) ?? Hs256,
            ExpSeconds = expSeconds,
            Audience = Value(configuration, AudienceSetting) ?? SupersetDefaultAudience,
            HeaderName = Value(configuration, HeaderNameSetting) ?? DefaultHeaderName,
            IsDevelopment = isDevelopment,
        };
    }

    /// <summary>
    /// What is wrong with these options, one message per problem (cause, then "Fix:"); empty when they can be used.
    /// Outside Development a missing, short or published secret is a problem; anywhere, an algorithm other than
    /// HS256, a lifetime outside 1..<see cref="MaxExpSeconds"/> or a header name that is not an HTTP token is.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (!string.Equals(Algorithm, Hs256, StringComparison.Ordinal))
        {
            problems.Add($"{AlgorithmSetting} is '{Sql.Printable(Algorithm)}', but only {Hs256} is accepted: it is Superset's default, and one fixed algorithm leaves no room for algorithm-confusion attacks. Fix: set {AlgorithmSetting}={Hs256} (in Superset too) or remove the setting.");
        }
        if (ExpSeconds is < 1 or > MaxExpSeconds)
        {
            problems.Add($"{ExpSecondsSetting} is {ExpSeconds}: a guest token cannot be revoked, so its lifetime must be between 1 and {MaxExpSeconds} seconds. Fix: set {ExpSecondsSetting} in that range (Superset's default is {DefaultExpSeconds}), or remove it.");
        }
        if (string.IsNullOrEmpty(Audience))
        {
            problems.Add($"{AudienceSetting} is empty: every token would carry an empty audience. Fix: set it to the URL of the BI service, or remove it to use Superset's fallback {SupersetDefaultAudience}.");
        }
        if (HeaderName is null || !HttpToken().IsMatch(HeaderName))
        {
            problems.Add($"{HeaderNameSetting} is '{Sql.Printable(HeaderName)}', not a valid HTTP header name. Fix: remove it to use Superset's {DefaultHeaderName}, or use letters, digits and '-'.");
        }
        if (!IsDevelopment)
        {
            problems.AddRange(SecretProblems(Secret));
        }
        return problems;
    }

    /// <summary>
    /// The key to sign with: <see cref="Secret"/>, or Superset's default when it is unset in Development (outside
    /// Development an unset secret is one of the <see cref="Problems"/>).
    /// </summary>
    internal string EffectiveSecret() => string.IsNullOrEmpty(Secret) && IsDevelopment ? SupersetDefaultSecret : Secret ?? "";

    /// <summary>Throws a <see cref="GuestTokenConfigurationException"/> listing every problem, if there is one.</summary>
    public void ThrowIfInvalid()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new GuestTokenConfigurationException(problems);
    }

    /// <summary>Shows every setting but the secret, of which it says only whether it is set.</summary>
    public override string ToString() =>
        $"{nameof(GuestTokenOptions)} {{ {SecretSetting} = {(string.IsNullOrEmpty(Secret) ? "(not set)" : "(set, hidden)")}, " +
        $"{AlgorithmSetting} = {Sql.Printable(Algorithm)}, {ExpSecondsSetting} = {ExpSeconds}, " +
        $"{AudienceSetting} = {Sql.Printable(Audience, 200)}, {HeaderNameSetting} = {Sql.Printable(HeaderName)}, " +
        $"{nameof(IsDevelopment)} = {IsDevelopment} }}";

    private static IEnumerable<string> SecretProblems(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            yield return $"{SecretSetting} is not set, so guest tokens can be neither signed nor checked. Fix: {GenerateSecretFix}";
            yield break;
        }
        if (IsKnownDefault(secret))
        {
            yield return $"{SecretSetting} is a published default or a placeholder: anyone could forge guest tokens with it. Fix: {GenerateSecretFix}";
            yield break;
        }
        if (Encoding.UTF8.GetByteCount(secret) < MinSecretBytes)
        {
            yield return $"{SecretSetting} is shorter than {MinSecretBytes} bytes, too weak a key for HS256. Fix: {GenerateSecretFix}";
        }
    }

    /// <summary>
    /// A published default, anything that says "change me", or a text of fewer than 8 distinct characters (a repeated
    /// letter or a short pattern typed to fill the length) — a secret from <c>openssl rand</c> is none of these.
    /// </summary>
    private static bool IsKnownDefault(string secret) =>
        KnownDefaults.Contains(secret.Trim())
        || secret.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal)
            .Contains("changeme", StringComparison.OrdinalIgnoreCase)
        || secret.Distinct().Count() < 8;

    private static string? Value(IConfiguration configuration, string key) =>
        configuration[key] is { Length: > 0 } value ? value : null;

    /// <summary>RFC 9110's token: the characters a header field name may have.</summary>
    [GeneratedRegex(@"\A[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex HttpToken();
}
