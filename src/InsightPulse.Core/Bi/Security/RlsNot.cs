using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary><c>NOT Operand</c>.</summary>
public sealed record RlsNot(RlsExpression Operand) : RlsExpression
{
    internal override int Precedence => NotPrecedence;

    internal override void WriteText(StringBuilder text)
    {
        text.Append("NOT ");
        Operand.WriteOperand(text, NotPrecedence);
    }

    internal override void WriteSql(RlsSqlWriter sql)
    {
        sql.Append("(NOT ");
        Operand.WriteSql(sql);
        sql.Append(")");
    }
}
