using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary><c>column op value</c>, e.g. <c>company_id = ${company_id}</c>.</summary>
public sealed record RlsComparison(RlsColumn Column, RlsOperator Operator, RlsLiteral Value) : RlsExpression
{
    internal override int Precedence => PredicatePrecedence;

    internal override void WriteText(StringBuilder text) =>
        text.Append(Column.ClauseText()).Append(' ').Append(Symbol(Operator)).Append(' ').Append(Value.ClauseText());

    internal override void WriteSql(RlsSqlWriter sql)
    {
        sql.Append("(").Column(Column).Append(" " + Symbol(Operator) + " ").Value(Value, Column).Append(")");
    }

    /// <summary>The operator in SQL and in normalized text (<c>!=</c> is written <c>&lt;&gt;</c>, SQL's own spelling).</summary>
    internal static string Symbol(RlsOperator op) => op switch
    {
        RlsOperator.Equal => "=",
        RlsOperator.NotEqual => "<>",
        RlsOperator.Less => "<",
        RlsOperator.LessOrEqual => "<=",
        RlsOperator.Greater => ">",
        RlsOperator.GreaterOrEqual => ">=",
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "Not an RLS comparison."),
    };
}
