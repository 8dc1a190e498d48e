using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary><c>column IS [NOT] NULL</c>.</summary>
public sealed record RlsIsNull(RlsColumn Column, bool Negated) : RlsExpression
{
    internal override int Precedence => PredicatePrecedence;

    internal override void WriteText(StringBuilder text) =>
        text.Append(Column.ClauseText()).Append(Negated ? " IS NOT NULL" : " IS NULL");

    internal override void WriteSql(RlsSqlWriter sql) =>
        sql.Append("(").Column(Column).Append(Negated ? " IS NOT NULL)" : " IS NULL)");
}
