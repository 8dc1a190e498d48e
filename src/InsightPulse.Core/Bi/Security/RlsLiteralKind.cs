namespace InsightPulse.Core.Bi.Security;

/// <summary>What an <see cref="RlsLiteral"/> holds, and so how its text becomes a bound value.</summary>
public enum RlsLiteralKind
{
    /// <summary>A quoted string; the text is its value, quotes removed.</summary>
    Text,

    /// <summary>An integer or decimal, optionally negative, as written.</summary>
    Number,

    /// <summary>TRUE or FALSE; the text is <c>true</c> or <c>false</c>.</summary>
    Boolean,

    /// <summary><c>${name}</c>; the text is the name, whose value is supplied when the clause is rendered.</summary>
    Placeholder,
}
