namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// A value in a clause. It never becomes SQL text: <see cref="RlsExpression.ToSql"/> binds <see cref="Text"/> (or a
/// placeholder's value) as a parameter and casts it to the column's type, so a string, a number and a boolean all
/// travel as invariant text and PostgreSQL converts them exactly as it would a literal.
/// </summary>
public sealed record RlsLiteral(RlsLiteralKind Kind, string Text)
{
    /// <summary>The literal as the clause grammar writes it (quotes doubled, keywords upper-case).</summary>
    internal string ClauseText() => Kind switch
    {
        RlsLiteralKind.Text => "'" + Text.Replace("'", "''", StringComparison.Ordinal) + "'",
        RlsLiteralKind.Boolean => Text.ToUpperInvariant(),
        RlsLiteralKind.Placeholder => "${" + Text + "}",
        _ => Text,
    };
}
