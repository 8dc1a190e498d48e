using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary><c>Left AND Right</c>; a chain <c>a AND b AND c</c> nests to the left, as it is read.</summary>
public sealed record RlsAnd(RlsExpression Left, RlsExpression Right) : RlsExpression
{
    internal override int Precedence => AndPrecedence;

    internal override void WriteText(StringBuilder text)
    {
        Left.WriteOperand(text, AndPrecedence);
        text.Append(" AND ");
        Right.WriteOperand(text, AndPrecedence + 1); // an AND on the right was parenthesized in the source
    }

    internal override void WriteSql(RlsSqlWriter sql)
    {
        sql.Append("(");
        Left.WriteSql(sql);
        sql.Append(" AND ");
        Right.WriteSql(sql);
        sql.Append(")");
    }
}
