namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// A guest token was refused. The message is fixed per <see cref="Reason"/> and says nothing about the key or the
/// token's content, so it can be returned to the client as it is.
/// </summary>
public sealed class GuestTokenException : Exception
{
    public GuestTokenException() : this(GuestTokenFailureReason.Malformed) { }

    public GuestTokenException(string message) : base(message) { }

    public GuestTokenException(string message, Exception inner) : base(message, inner) { }

    public GuestTokenException(GuestTokenFailureReason reason, Exception? inner = null)
        : base(MessageFor(reason), inner) =>
        Reason = reason;

    public GuestTokenFailureReason Reason { get; }

    /// <summary>The client-safe message of each reason.</summary>
    public static string MessageFor(GuestTokenFailureReason reason) => reason switch
    {
        GuestTokenFailureReason.Malformed => "The guest token is malformed.",
        GuestTokenFailureReason.AlgorithmNotAllowed => "The guest token is not signed with the allowed algorithm (HS256).",
        GuestTokenFailureReason.BadSignature => "The guest token's signature is invalid.",
        GuestTokenFailureReason.WrongType => "The token is not a guest token.",
        GuestTokenFailureReason.Expired => "The guest token has expired: ask for a new one.",
        GuestTokenFailureReason.NotYetValid => "The guest token is not valid yet: the issuer's clock is ahead.",
        GuestTokenFailureReason.WrongAudience => "The guest token was issued for another audience.",
        GuestTokenFailureReason.NoResources => "The guest token grants no dashboard.",
        _ => "The guest token was refused.",
    };
}
