using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary><c>Left OR Right</c>; a chain <c>a OR b OR c</c> nests to the left, as it is read.</summary>
public sealed record RlsOr(RlsExpression Left, RlsExpression Right) : RlsExpression
{
    internal override int Precedence => OrPrecedence;

    internal override void WriteText(StringBuilder text)
    {
        Left.WriteOperand(text, OrPrecedence);
        text.Append(" OR ");
        Right.WriteOperand(text, OrPrecedence + 1); // an OR on the right was parenthesized in the source
    }

    internal override void WriteSql(RlsSqlWriter sql)
    {
        sql.Append("(");
        Left.WriteSql(sql);
        sql.Append(" OR ");
        Right.WriteSql(sql);
        sql.Append(")");
    }
}
