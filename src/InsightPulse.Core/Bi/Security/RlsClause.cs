using System.Collections.Frozen;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// The row filters of embedded dashboards: the <c>rls[].clause</c> of a guest-token request and a dashboard
/// registry's custom clause. Superset pastes such clauses into its SQL; we parse them into a small grammar instead,
/// check every column against the dataset, and render them with bound parameters only:
/// <code>
/// expr    := or
/// or      := and ('OR' and)*
/// and     := not ('AND' not)*
/// not     := 'NOT' not | primary
/// primary := '(' expr ')' | column op literal | column [NOT] IN '(' literal (',' literal)* ')' | column IS [NOT] NULL
/// op      := = | != | &lt;&gt; | &lt; | &lt;= | &gt; | &gt;=
/// literal := 'string' | number | TRUE | FALSE | ${company_id} | ${user_id} | ${user_login}
/// </code>
/// Keywords are case-insensitive; a column is <c>[A-Za-z_][A-Za-z0-9_]*</c> (folded to lower case, as PostgreSQL
/// folds it) or double-quoted (taken as written); a string doubles its quotes; a number is an integer or decimal with
/// an optional leading <c>-</c>. Nothing else is accepted: no functions, sub-queries, comments, casts or
/// statements, and no clause that does not compare a column.
/// </summary>
public static class RlsClause
{
    /// <summary>The longest clause accepted, in characters.</summary>
    public const int MaxLength = 4000;

    /// <summary>The deepest nesting of parentheses and NOTs accepted: keeps recursion bounded.</summary>
    public const int MaxDepth = 32;

    /// <summary>The placeholder of the viewer's company.</summary>
    public const string CompanyId = "company_id";

    /// <summary>The placeholder of the viewer's user id.</summary>
    public const string UserId = "user_id";

    /// <summary>The placeholder of the viewer's login.</summary>
    public const string UserLogin = "user_login";

    /// <summary>The only placeholders a clause may use (by name, without <c>${}</c>).</summary>
    public static FrozenSet<string> Placeholders { get; } = FrozenSet.Create(StringComparer.Ordinal, CompanyId, UserId, UserLogin);

    internal const string PlaceholderList = "${company_id}, ${user_id} or ${user_login}";

    /// <summary>
    /// Parses <paramref name="text"/> against a dataset whose columns are <paramref name="columnTypes"/> (name as
    /// the catalogue has it → type as <c>format_type</c> prints it). Column names match case-sensitively whatever
    /// the dictionary's comparer. Throws an <see cref="RlsClauseException"/> naming the position and what was
    /// expected when the clause is not in the grammar.
    /// </summary>
    public static RlsExpression Parse(string text, IReadOnlyDictionary<string, string> columnTypes)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(columnTypes);
        if (text.Length > MaxLength)
        {
            throw RlsClauseException.At(MaxLength + 1, $"the clause is longer than {MaxLength} characters");
        }
        var columns = new Dictionary<string, string>(columnTypes, StringComparer.Ordinal);
        return new RlsParser(text, columns).ParseClause();
    }
}
