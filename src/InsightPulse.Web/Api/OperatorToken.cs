using System.Security.Cryptography;
using System.Text;
using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.Web.Api;

/// <summary>
/// The operator's bearer token for <c>/api/v1</c>: <c>IPAI_OPERATOR_TOKEN</c> (environment or configuration key)
/// when set, else a generated secret in <c>.ipai/secrets/operator.token</c> (mode 0600). Only its SHA-256 is kept in
/// memory; a presented token is compared in constant time. Neither is ever logged.
/// </summary>
public sealed class OperatorToken
{
    public const string ConfigurationKey = "IPAI_OPERATOR_TOKEN";
    public const string SecretName = "operator.token";

    private readonly byte[] _hash;

    public OperatorToken(IConfiguration configuration, ManagedCluster cluster)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(cluster);
        var configured = configuration[ConfigurationKey];
        if (!string.IsNullOrEmpty(configured))
        {
            _hash = Hash(configured);
            Source = ConfigurationKey;
        }
        else
        {
            var secrets = cluster.Secrets;
            _hash = Hash(secrets.GetOrCreate(SecretName).Value);
            Source = secrets.PathOf(SecretName);
        }
    }

    /// <summary>Where the token comes from: the configuration key's name or the secret file's path (never the value).</summary>
    public string Source { get; }

    /// <summary>Where the token is read from, for <c>./ipai status</c> (never its value, and without creating it).</summary>
    public static string Describe(IConfiguration configuration, SecretStore secrets)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(secrets);
        if (!string.IsNullOrEmpty(configuration[ConfigurationKey])) return ConfigurationKey;
        var path = secrets.PathOf(SecretName);
        return secrets.Exists(SecretName) ? path : path + " (created when the web node starts)";
    }

    /// <summary>Whether <paramref name="presented"/> is the operator token (constant time: the digests are compared).</summary>
    public bool Matches(string? presented) =>
        !string.IsNullOrEmpty(presented) && CryptographicOperations.FixedTimeEquals(Hash(presented), _hash);

    /// <summary>The token of an <c>Authorization: Bearer …</c> header, or null.</summary>
    public static string? FromRequest(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        return header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? header[Prefix.Length..].Trim() : null;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
