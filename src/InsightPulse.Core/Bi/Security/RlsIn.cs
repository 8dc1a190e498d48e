using System.Collections.Immutable;
using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary><c>column [NOT] IN (value, …)</c> with at least one value.</summary>
public sealed record RlsIn(RlsColumn Column, bool Negated, ImmutableArray<RlsLiteral> Values) : RlsExpression
{
    internal override int Precedence => PredicatePrecedence;

    /// <summary>Equal when column, negation and the values in order are (an array alone compares by reference).</summary>
    public bool Equals(RlsIn? other) =>
        other is not null && Column == other.Column && Negated == other.Negated && Values.SequenceEqual(other.Values);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Column);
        hash.Add(Negated);
        foreach (var value in Values) hash.Add(value);
        return hash.ToHashCode();
    }

    internal override void WriteText(StringBuilder text)
    {
        text.Append(Column.ClauseText()).Append(Negated ? " NOT IN (" : " IN (");
        text.AppendJoin(", ", Values.Select(value => value.ClauseText()));
        text.Append(')');
    }

    internal override void WriteSql(RlsSqlWriter sql)
    {
        if (Values.IsDefaultOrEmpty) throw new InvalidOperationException("IN needs at least one value.");
        sql.Append("(").Column(Column).Append(Negated ? " NOT IN (" : " IN (");
        for (var i = 0; i < Values.Length; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Value(Values[i], Column);
        }
        sql.Append("))");
    }
}
