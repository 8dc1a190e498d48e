namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// One token: <see cref="Position"/> is 1-based; <see cref="Source"/> is the text as written (for messages);
/// <see cref="Value"/> is what it means (a string without quotes, a folded or unquoted name, a placeholder's name).
/// </summary>
internal readonly record struct RlsToken(RlsTokenKind Kind, int Position, string Source, string Value, RlsOperator Operator = default);
