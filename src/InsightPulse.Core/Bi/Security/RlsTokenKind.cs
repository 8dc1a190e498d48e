namespace InsightPulse.Core.Bi.Security;

/// <summary>The tokens of the RLS clause grammar; <see cref="Unknown"/> is any character that starts none, left for the parser to name in its error.</summary>
internal enum RlsTokenKind
{
    End,
    Identifier,
    QuotedIdentifier,
    String,
    Number,
    Placeholder,
    Operator,
    LeftParenthesis,
    RightParenthesis,
    Comma,
    And,
    Or,
    Not,
    In,
    Is,
    Null,
    True,
    False,
    Unknown,
}
