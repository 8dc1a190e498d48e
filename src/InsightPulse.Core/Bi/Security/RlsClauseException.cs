using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// An RLS clause was refused: the message reads "position N: expected …, found …" with N the 1-based character
/// where the clause stopped making sense, so whoever wrote it can fix it. A clause that parsed but cannot be
/// rendered (a placeholder without a value) says which placeholder, with no position.
/// </summary>
public sealed class RlsClauseException : OperatorException
{
    public RlsClauseException() { }

    public RlsClauseException(string message) : base(message) { }

    public RlsClauseException(string message, Exception inner) : base(message, inner) { }

    private RlsClauseException(int position, string detail) : base($"position {position}: {detail}") => Position = position;

    /// <summary>The 1-based character of the clause the error is about; null when it is not about one place.</summary>
    public int? Position { get; }

    internal static RlsClauseException At(int position, string detail) => new(position, detail);
}
