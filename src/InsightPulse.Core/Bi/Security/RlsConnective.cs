using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// <c>Left AND Right</c> or <c>Left OR Right</c>; a chain <c>a AND b AND c</c> nests to the left, as it is read, so a
/// connective of the same kind on the right was parenthesized in the source (and is written so again).
/// </summary>
public abstract record RlsConnective(RlsExpression Left, RlsExpression Right) : RlsExpression
{
    /// <summary>The key word between the operands: <c>AND</c> or <c>OR</c>.</summary>
    private protected abstract string Keyword { get; }

    internal override void WriteText(StringBuilder text)
    {
        Left.WriteOperand(text, Precedence);
        text.Append(' ').Append(Keyword).Append(' ');
        Right.WriteOperand(text, Precedence + 1);
    }

    internal override void WriteSql(RlsSqlWriter sql)
    {
        sql.Append("(");
        Left.WriteSql(sql);
        sql.Append($" {Keyword} ");
        Right.WriteSql(sql);
        sql.Append(")");
    }
}
