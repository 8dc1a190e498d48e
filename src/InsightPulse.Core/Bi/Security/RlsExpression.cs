using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// A parsed RLS clause (see <see cref="RlsClause.Parse"/>): an immutable tree that compares by value, so two clauses
/// that mean the same thing in the same shape are equal. It becomes SQL only through <see cref="ToSql"/>, where every
/// value is a bound parameter and every column a quoted identifier.
/// </summary>
public abstract record RlsExpression
{
    /// <summary>Binding strength, loosest first: how <see cref="ToString"/> decides where parentheses are needed.</summary>
    internal const int OrPrecedence = 1, AndPrecedence = 2, NotPrecedence = 3, PredicatePrecedence = 4;

    /// <summary>
    /// A SQL boolean expression, parenthesized at every node so it keeps its meaning wherever it is embedded. Each
    /// column is <c>Sql.Identifier(name)</c>; each literal and placeholder value goes through
    /// <paramref name="bind"/> (which registers a parameter and returns its reference, such as <c>@p3</c>) and is
    /// cast to its column's type: <c>("amount" &gt; CAST(@p0 AS numeric))</c>. Values are bound as invariant text
    /// (booleans as <c>true</c>/<c>false</c>) and the cast converts them, so no CLR-to-SQL type mapping is involved.
    /// A placeholder whose value is missing or null is an <see cref="RlsClauseException"/>: a filter must never
    /// silently become "no filter".
    /// </summary>
    public string ToSql(Func<object?, string> bind, IReadOnlyDictionary<string, string?> placeholderValues)
    {
        ArgumentNullException.ThrowIfNull(bind);
        ArgumentNullException.ThrowIfNull(placeholderValues);
        var sql = new RlsSqlWriter(bind, placeholderValues);
        WriteSql(sql);
        return sql.ToString();
    }

    /// <summary>The clause in normalized form (keywords upper-case, single spaces, only the parentheses it needs), for the audit log; it parses back to an equal tree.</summary>
    public sealed override string ToString()
    {
        var text = new StringBuilder();
        WriteText(text);
        return text.ToString();
    }

    internal abstract int Precedence { get; }

    internal abstract void WriteText(StringBuilder text);

    internal abstract void WriteSql(RlsSqlWriter sql);

    /// <summary>Writes this node as an operand that must bind at least as tightly as <paramref name="minimumPrecedence"/>.</summary>
    internal void WriteOperand(StringBuilder text, int minimumPrecedence)
    {
        if (Precedence >= minimumPrecedence)
        {
            WriteText(text);
            return;
        }
        text.Append('(');
        WriteText(text);
        text.Append(')');
    }
}
