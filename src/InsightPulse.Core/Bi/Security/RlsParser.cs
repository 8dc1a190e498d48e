using System.Collections.Immutable;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// Recursive descent over the grammar of <see cref="RlsClause"/>, one method per rule. Every column is resolved
/// against the dataset while parsing, so the tree it returns refers only to real columns of supported types.
/// </summary>
internal sealed class RlsParser(string text, IReadOnlyDictionary<string, string> columns)
{
    private const string ValueExpected = "a value ('text', a number, TRUE, FALSE or a placeholder)";
    private const int MaxColumnsNamed = 12;

    private readonly RlsLexer _lexer = new(text);
    private RlsToken _token;
    private int _depth;

    public RlsExpression ParseClause()
    {
        Advance();
        var expression = ParseOr();
        if (_token.Kind != RlsTokenKind.End) throw Expected("AND, OR or the end of the clause");
        return expression;
    }

    private RlsExpression ParseOr()
    {
        var left = ParseAnd();
        while (_token.Kind == RlsTokenKind.Or)
        {
            Advance();
            left = new RlsOr(left, ParseAnd());
        }
        return left;
    }

    private RlsExpression ParseAnd()
    {
        var left = ParseNot();
        while (_token.Kind == RlsTokenKind.And)
        {
            Advance();
            left = new RlsAnd(left, ParseNot());
        }
        return left;
    }

    private RlsExpression ParseNot()
    {
        if (_token.Kind != RlsTokenKind.Not) return ParsePrimary();
        Enter();
        Advance();
        var operand = ParseNot();
        _depth--;
        return new RlsNot(operand);
    }

    private RlsExpression ParsePrimary()
    {
        if (_token.Kind == RlsTokenKind.LeftParenthesis)
        {
            Enter();
            Advance();
            var inner = ParseOr();
            if (_token.Kind != RlsTokenKind.RightParenthesis) throw Expected("AND, OR or ')'");
            Advance();
            _depth--;
            return inner;
        }

        var column = ParseColumn();
        switch (_token.Kind)
        {
            case RlsTokenKind.Operator:
                var op = _token.Operator;
                Advance();
                return new RlsComparison(column, op, ParseValue());
            case RlsTokenKind.In:
                Advance();
                return new RlsIn(column, false, ParseValueList());
            case RlsTokenKind.Not:
                Advance();
                if (_token.Kind != RlsTokenKind.In) throw Expected("IN after NOT");
                Advance();
                return new RlsIn(column, true, ParseValueList());
            case RlsTokenKind.Is:
                Advance();
                var negated = _token.Kind == RlsTokenKind.Not;
                if (negated) Advance();
                if (_token.Kind != RlsTokenKind.Null) throw Expected(negated ? "NULL" : "NULL or NOT NULL");
                Advance();
                return new RlsIsNull(column, negated);
            default:
                throw Expected("a comparison (=, !=, <>, <, <=, >, >=), IN, NOT IN or IS after the column");
        }
    }

    /// <summary>A name of the dataset with a type a value can be cast to; an unknown name lists the dataset's columns.</summary>
    private RlsColumn ParseColumn()
    {
        if (_token.Kind is not (RlsTokenKind.Identifier or RlsTokenKind.QuotedIdentifier)) throw Expected("a column of the dataset");
        var name = _token.Value;
        if (!columns.TryGetValue(name, out var type))
        {
            var known = columns.Keys.Order(StringComparer.Ordinal).Take(MaxColumnsNamed + 1).ToList();
            var list = string.Join(", ", known.Take(MaxColumnsNamed).Select(column => Sql.Printable(column))) + (known.Count > MaxColumnsNamed ? ", …" : "");
            throw Expected("a column of the dataset", known.Count == 0 ? " (the dataset has no columns)" : $" (its columns: {list})");
        }
        if (!Sql.IsPlainIdentifier(name))
        {
            throw RlsClauseException.At(_token.Position,
                $"column \"{Sql.Printable(name)}\" cannot be used in a clause: only lower-case names of letters, digits and '_' can be quoted safely");
        }
        if (!RlsColumn.IsSupportedType(type))
        {
            throw RlsClauseException.At(_token.Position,
                $"column {name} has the type '{Sql.Printable(type)}', which a clause cannot compare with");
        }
        Advance();
        return new RlsColumn(name, type);
    }

    private RlsLiteral ParseValue()
    {
        var kind = _token.Kind switch
        {
            RlsTokenKind.String => RlsLiteralKind.Text,
            RlsTokenKind.Number => RlsLiteralKind.Number,
            RlsTokenKind.True or RlsTokenKind.False => RlsLiteralKind.Boolean,
            RlsTokenKind.Placeholder => RlsLiteralKind.Placeholder,
            _ => throw Expected(ValueExpected),
        };
        var literal = new RlsLiteral(kind, _token.Value);
        Advance();
        return literal;
    }

    private ImmutableArray<RlsLiteral> ParseValueList()
    {
        if (_token.Kind != RlsTokenKind.LeftParenthesis) throw Expected("'(' after IN");
        Advance();
        var values = ImmutableArray.CreateBuilder<RlsLiteral>();
        values.Add(ParseValue());
        while (_token.Kind == RlsTokenKind.Comma)
        {
            Advance();
            values.Add(ParseValue());
        }
        if (_token.Kind != RlsTokenKind.RightParenthesis) throw Expected("',' or ')'");
        Advance();
        return values.ToImmutable();
    }

    private void Advance() => _token = _lexer.Next();

    private void Enter()
    {
        if (++_depth > RlsClause.MaxDepth)
        {
            throw RlsClauseException.At(_token.Position, $"the clause is nested deeper than {RlsClause.MaxDepth} levels of parentheses and NOT");
        }
    }

    private RlsClauseException Expected(string what, string hint = "") =>
        RlsClauseException.At(_token.Position, $"expected {what}, found {Found(_token)}{hint}");

    private static string Found(RlsToken token) =>
        token.Kind == RlsTokenKind.End ? "the end of the clause" : $"'{Sql.Printable(token.Source, 20)}'";
}
