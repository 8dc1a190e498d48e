namespace InsightPulse.Core.Bi.Security;

/// <summary>Why <see cref="GuestTokens.Validate"/> refused a token, in the order the checks run.</summary>
public enum GuestTokenFailureReason
{
    /// <summary>Not three base64url parts, a header or payload that is not the expected JSON, a missing claim.</summary>
    Malformed,

    /// <summary>The header's <c>alg</c> is missing, <c>none</c>, or anything but the configured HS256.</summary>
    AlgorithmNotAllowed,

    /// <summary>The signature does not match: another key, or a changed header or payload.</summary>
    BadSignature,

    /// <summary>Signed by us, but its <c>type</c> is not <c>guest</c>.</summary>
    WrongType,

    /// <summary>Its <c>exp</c> has passed.</summary>
    Expired,

    /// <summary>Its <c>iat</c> lies further in the future than the allowed clock skew.</summary>
    NotYetValid,

    /// <summary>Its <c>aud</c> is not the configured audience.</summary>
    WrongAudience,

    /// <summary>It names no resource, so it could open nothing.</summary>
    NoResources,
}
