using System.Collections.Frozen;
using System.Text;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// Splits a clause into tokens on demand, so that the parser's "expected …" error at the earliest wrong place wins
/// over a lexical error further on. A lexical error (an unterminated string, an unknown placeholder) is thrown at
/// the position where the token starts.
/// </summary>
internal sealed class RlsLexer(string text)
{
    private static readonly FrozenDictionary<string, RlsTokenKind> Keywords = new Dictionary<string, RlsTokenKind>
    {
        ["and"] = RlsTokenKind.And,
        ["or"] = RlsTokenKind.Or,
        ["not"] = RlsTokenKind.Not,
        ["in"] = RlsTokenKind.In,
        ["is"] = RlsTokenKind.Is,
        ["null"] = RlsTokenKind.Null,
        ["true"] = RlsTokenKind.True,
        ["false"] = RlsTokenKind.False,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private int _index;

    /// <summary>True when <paramref name="name"/> would read as a keyword unquoted (so a column of that name must be quoted).</summary>
    public static bool IsKeyword(string name) => Keywords.ContainsKey(name.ToLowerInvariant());

    public RlsToken Next()
    {
        while (_index < text.Length && text[_index] is ' ' or '\t' or '\r' or '\n') _index++;
        if (_index >= text.Length) return new RlsToken(RlsTokenKind.End, text.Length + 1, "", "");

        var start = _index;
        var c = text[start];
        if (char.IsAsciiLetter(c) || c == '_') return Word(start);
        if (char.IsAsciiDigit(c) || (c == '-' && start + 1 < text.Length && char.IsAsciiDigit(text[start + 1]))) return Number(start);
        switch (c)
        {
            case '"': return QuotedIdentifier(start);
            case '\'': return StringLiteral(start);
            case '$': return Placeholder(start);
            case '(': return Single(RlsTokenKind.LeftParenthesis, start);
            case ')': return Single(RlsTokenKind.RightParenthesis, start);
            case ',': return Single(RlsTokenKind.Comma, start);
            case '=': return Operator(start, 1, RlsOperator.Equal);
            case '!' when Peek(start + 1) == '=': return Operator(start, 2, RlsOperator.NotEqual);
            case '<' when Peek(start + 1) == '=': return Operator(start, 2, RlsOperator.LessOrEqual);
            case '<' when Peek(start + 1) == '>': return Operator(start, 2, RlsOperator.NotEqual);
            case '<': return Operator(start, 1, RlsOperator.Less);
            case '>' when Peek(start + 1) == '=': return Operator(start, 2, RlsOperator.GreaterOrEqual);
            case '>': return Operator(start, 1, RlsOperator.Greater);
            default: return Single(RlsTokenKind.Unknown, start);
        }
    }

    private char Peek(int index) => index < text.Length ? text[index] : '\0';

    private RlsToken Single(RlsTokenKind kind, int start)
    {
        _index = start + 1;
        return new RlsToken(kind, start + 1, text[start].ToString(), text[start].ToString());
    }

    private RlsToken Operator(int start, int length, RlsOperator op)
    {
        _index = start + length;
        return new RlsToken(RlsTokenKind.Operator, start + 1, text.Substring(start, length), text.Substring(start, length), op);
    }

    /// <summary>A keyword (any case) or an unquoted name, folded to lower case as PostgreSQL folds it.</summary>
    private RlsToken Word(int start)
    {
        _index = start;
        while (_index < text.Length && (char.IsAsciiLetterOrDigit(text[_index]) || text[_index] == '_')) _index++;
        var source = text[start.._index];
        var folded = source.ToLowerInvariant();
        var kind = Keywords.TryGetValue(folded, out var keyword) ? keyword : RlsTokenKind.Identifier;
        return new RlsToken(kind, start + 1, source, folded);
    }

    /// <summary><c>-?digits(.digits)?</c>, kept as written: the column's type decides what it means.</summary>
    private RlsToken Number(int start)
    {
        _index = text[start] == '-' ? start + 1 : start;
        while (_index < text.Length && char.IsAsciiDigit(text[_index])) _index++;
        if (Peek(_index) == '.' && char.IsAsciiDigit(Peek(_index + 1)))
        {
            _index++;
            while (_index < text.Length && char.IsAsciiDigit(text[_index])) _index++;
        }
        var source = text[start.._index];
        return new RlsToken(RlsTokenKind.Number, start + 1, source, source);
    }

    /// <summary>A double-quoted name, taken as written; <c>""</c> inside stands for one quote.</summary>
    private RlsToken QuotedIdentifier(int start)
    {
        var name = Quoted(start, '"', "quoted column name");
        if (name.Length == 0) throw RlsClauseException.At(start + 1, "expected a column name between the double quotes, found \"\"");
        return new RlsToken(RlsTokenKind.QuotedIdentifier, start + 1, text[start.._index], name);
    }

    /// <summary>A single-quoted string, SQL style (<c>''</c> for a quote, no backslash escapes); NUL is refused, as PostgreSQL's text would.</summary>
    private RlsToken StringLiteral(int start)
    {
        var value = Quoted(start, '\'', "string");
        if (Postgres.TextRules.Problem(value, allowLineBreaks: true) is { } problem) throw RlsClauseException.At(start + 1, "a string " + problem);
        return new RlsToken(RlsTokenKind.String, start + 1, text[start.._index], value);
    }

    private string Quoted(int start, char quote, string what)
    {
        var value = new StringBuilder();
        var i = start + 1;
        while (true)
        {
            if (i >= text.Length)
            {
                throw RlsClauseException.At(start + 1, $"unterminated {what}: expected a closing {quote}, found the end of the clause");
            }
            if (text[i] == quote)
            {
                if (Peek(i + 1) != quote) break;
                i++; // a doubled quote stands for one
            }
            value.Append(text[i]);
            i++;
        }
        _index = i + 1;
        return value.ToString();
    }

    /// <summary><c>${name}</c> with one of the allowed names; anything else after a <c>$</c> is an error here.</summary>
    private RlsToken Placeholder(int start)
    {
        var close = Peek(start + 1) == '{' ? text.IndexOf('}', start + 2) : -1;
        if (close < 0)
        {
            throw RlsClauseException.At(start + 1, $"expected a placeholder ({RlsClause.PlaceholderList}), found '{Postgres.Sql.Printable(text[start..], 20)}'");
        }
        var name = text[(start + 2)..close];
        if (!RlsClause.Placeholders.Contains(name))
        {
            throw RlsClauseException.At(start + 1, $"unknown placeholder '{Postgres.Sql.Printable(text[start..(close + 1)])}': expected {RlsClause.PlaceholderList}");
        }
        _index = close + 1;
        return new RlsToken(RlsTokenKind.Placeholder, start + 1, text[start.._index], name);
    }
}
