using System.Text;
using System.Text.RegularExpressions;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// Collects the SQL of one <see cref="RlsExpression.ToSql"/> call: the only place where a clause's parts become
/// SQL text, and only as quoted identifiers, validated type names and parameter references.
/// </summary>
internal sealed partial class RlsSqlWriter(Func<object?, string> bind, IReadOnlyDictionary<string, string?> placeholderValues)
{
    private readonly StringBuilder _sql = new();

    public RlsSqlWriter Append(string sql)
    {
        _sql.Append(sql);
        return this;
    }

    public RlsSqlWriter Column(RlsColumn column)
    {
        _sql.Append(Sql.Identifier(column.Name));
        return this;
    }

    /// <summary>
    /// <c>CAST(&lt;parameter&gt; AS &lt;type&gt;)</c>. The reference <c>bind</c> returns is checked to look like one
    /// (<c>@p0</c>, <c>:p0</c>, <c>$1</c>): a bind function that returned the value itself would inline it.
    /// </summary>
    public RlsSqlWriter Value(RlsLiteral literal, RlsColumn column)
    {
        var value = literal.Kind == RlsLiteralKind.Placeholder ? PlaceholderValue(literal.Text) : literal.Text;
        var parameter = bind(value);
        if (parameter is null || !ParameterReference().IsMatch(parameter))
        {
            // The returned text is not echoed: it may be the value itself (a login, a company id).
            throw new InvalidOperationException(
                "The bind function returned something other than a parameter reference such as @p0: values are never written into SQL.");
        }
        _sql.Append("CAST(").Append(parameter).Append(" AS ").Append(column.CastType()).Append(')');
        return this;
    }

    public override string ToString() => _sql.ToString();

    private string PlaceholderValue(string name)
    {
        if (!RlsClause.Placeholders.Contains(name))
        {
            throw new RlsClauseException($"Unknown placeholder ${{{Sql.Printable(name)}}}: only {RlsClause.PlaceholderList} exist.");
        }
        if (!placeholderValues.TryGetValue(name, out var value) || value is null)
        {
            throw new RlsClauseException(
                $"The placeholder ${{{name}}} has no value, so the clause cannot filter rows. Fix: supply a value for '{name}' (e.g. a user without a company cannot be shown a dashboard filtered by ${{company_id}}).");
        }
        return value;
    }

    [GeneratedRegex(@"\A[@:$][A-Za-z0-9_]{1,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterReference();
}
