using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.Core.Bi.Superset;

/// <summary>
/// Where the login for an external Superset comes from: the secret <c>superset.&lt;host&gt;[_&lt;port&gt;]</c> in
/// <c>.ipai/secrets/</c> (mode 0600, one line <c>username:password</c>), else the environment's
/// <c>SUPERSET_USERNAME</c> and <c>SUPERSET_PASSWORD</c>. Never printed or logged.
/// </summary>
public sealed class SupersetCredentials(SecretStore secrets, string? username, string? password)
{
    /// <summary>The secret's name for a base URL: <c>superset.bi.example.com</c>, <c>superset.localhost_8089</c>.</summary>
    public static string SecretName(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return "superset." + baseUrl.Host.ToLowerInvariant() + (baseUrl.IsDefaultPort ? "" : "_" + baseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    public SupersetLogin For(Uri baseUrl)
    {
        var name = SecretName(baseUrl);
        if (secrets.Read(name) is { } line)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new SupersetException(SupersetCheck.Credentials, $"The secret {secrets.PathOf(name)} is not one line 'username:password'.", "Write it again as username:password (mode 0600).");
            return new SupersetLogin(line[..colon], line[(colon + 1)..]);
        }
        if (!string.IsNullOrEmpty(username) && !string.IsNullOrEmpty(password)) return new SupersetLogin(username, password);
        throw new SupersetException(SupersetCheck.Credentials, $"No login is configured for the Superset at {baseUrl.GetLeftPart(UriPartial.Authority)}.",
            $"Write username:password into {secrets.PathOf(name)} (mode 0600), or set SUPERSET_USERNAME and SUPERSET_PASSWORD.");
    }
}
