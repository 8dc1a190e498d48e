namespace InsightPulse.Core.Bi.Superset;

/// <summary>Which check of a connection to an external Superset failed (the seed's troubleshooting case "Superset can't connect").</summary>
public enum SupersetCheck
{
    /// <summary>The host name does not resolve.</summary>
    Dns,

    /// <summary>The TLS handshake failed (certificate not trusted, expired, for another name).</summary>
    Tls,

    /// <summary>Nothing answers at the host and port (refused, unreachable, timed out).</summary>
    Connection,

    /// <summary>The login was refused (401 at /api/v1/security/login, or again after signing in afresh).</summary>
    Credentials,

    /// <summary>The server does not speak the API this client follows (404 or an unexpected shape at /api/v1/…).</summary>
    ApiVersion,

    /// <summary>The login may not do this (403 on a write, again after signing in afresh).</summary>
    Permission,

    /// <summary>Superset refused the request itself (400, 422, 5xx) and said why.</summary>
    Request,
}
