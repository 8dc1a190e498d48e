using System.Text;
using InsightPulse.Core.Bi.Security;

namespace InsightPulse.Core.Tests.Bi;

/// <summary>
/// Random clauses from the grammar, written the many ways it allows (keyword case, spacing, redundant parentheses,
/// quoted names, both spellings of not-equal): each parses, its normalized text parses back to the same tree, and
/// its SQL binds every value and holds no string literal.
/// </summary>
public sealed class RlsClausePropertyTests
{
    private const int Cases = 3000;

    private static readonly string[] ColumnNames = [.. RlsClauseTests.Columns.Keys];
    private static readonly string[] Operators = ["=", "!=", "<>", "<", "<=", ">", ">="];
    private static readonly string[] Placeholders = ["${company_id}", "${user_id}", "${user_login}"];
    private static readonly string[] StringPieces = ["NCR", "it''s", "a b", "%", "--", "/*", ";", "\\", "\"", "ñ", "😀", "${user_id}", ") OR (1=1", ""];
    private static readonly Dictionary<string, string?> Values = new() { ["company_id"] = "7", ["user_id"] = "42", ["user_login"] = "ana" };

    [Fact]
    public void Random_clauses_round_trip_through_their_normalized_text_to_the_same_tree()
    {
        var random = new Random(20260301);
        for (var i = 0; i < Cases; i++)
        {
            var text = new ClauseWriter(random).Clause();

            var tree = RlsClause.Parse(text, RlsClauseTests.Columns);
            var normalized = tree.ToString();
            var again = RlsClause.Parse(normalized, RlsClauseTests.Columns);

            Assert.True(tree == again, $"case {i}: '{text}' normalized to '{normalized}', which parses to another tree");
            Assert.Equal(normalized, again.ToString());
            Assert.Equal(tree.GetHashCode(), again.GetHashCode());
        }
    }

    [Fact]
    public void Random_clauses_render_with_every_value_bound_and_no_string_literal_in_the_SQL()
    {
        var random = new Random(7);
        for (var i = 0; i < Cases; i++)
        {
            var text = new ClauseWriter(random).Clause();
            var tree = RlsClause.Parse(text, RlsClauseTests.Columns);
            var binder = new SqlBinder();

            var sql = tree.ToSql(binder.Bind, Values);

            Assert.Equal(CountValues(tree), binder.Values.Count);
            Assert.DoesNotContain('\'', sql);
            Assert.DoesNotContain("--", sql, StringComparison.Ordinal);
            Assert.DoesNotContain(";", sql, StringComparison.Ordinal);
            Assert.Equal(sql.Count(c => c == '('), sql.Count(c => c == ')'));
            Assert.StartsWith("(", sql, StringComparison.Ordinal);
        }
    }

    private static int CountValues(RlsExpression expression) => expression switch
    {
        RlsOr or => CountValues(or.Left) + CountValues(or.Right),
        RlsAnd and => CountValues(and.Left) + CountValues(and.Right),
        RlsNot not => CountValues(not.Operand),
        RlsComparison => 1,
        RlsIn list => list.Values.Length,
        RlsIsNull => 0,
        _ => throw new InvalidOperationException(expression.GetType().Name),
    };

    /// <summary>Writes one random clause of the grammar, in a random one of its spellings.</summary>
    private sealed class ClauseWriter(Random random)
    {
        private readonly StringBuilder _text = new();
        private int _depth;

        public string Clause()
        {
            Space(optional: true);
            Or(3);
            Space(optional: true);
            return _text.ToString();
        }

        private void Or(int budget)
        {
            And(budget);
            for (var n = random.Next(budget > 0 ? 3 : 1); n > 0; n--)
            {
                Space();
                Keyword("OR");
                Space();
                And(budget - 1);
            }
        }

        private void And(int budget)
        {
            Not(budget);
            for (var n = random.Next(budget > 0 ? 3 : 1); n > 0; n--)
            {
                Space();
                Keyword("AND");
                Space();
                Not(budget - 1);
            }
        }

        private void Not(int budget)
        {
            if (_depth < 20 && random.Next(5) == 0)
            {
                _depth++;
                Keyword("NOT");
                Space();
                Not(budget);
                _depth--;
                return;
            }
            Primary(budget);
        }

        private void Primary(int budget)
        {
            if (_depth < 20 && budget > 0 && random.Next(4) == 0)
            {
                _depth++;
                _text.Append('(');
                Space(optional: true);
                Or(budget - 1);
                Space(optional: true);
                _text.Append(')');
                _depth--;
                return;
            }
            Column();
            switch (random.Next(4))
            {
                case 0 or 1:
                    Space(optional: true);
                    _text.Append(Operators[random.Next(Operators.Length)]);
                    Space(optional: true);
                    Literal();
                    break;
                case 2:
                    Space();
                    if (random.Next(2) == 0)
                    {
                        Keyword("NOT");
                        Space();
                    }
                    Keyword("IN");
                    Space(optional: true);
                    _text.Append('(');
                    for (var n = random.Next(1, 4); n > 0; n--)
                    {
                        Space(optional: true);
                        Literal();
                        Space(optional: true);
                        if (n > 1) _text.Append(',');
                    }
                    _text.Append(')');
                    break;
                default:
                    Space();
                    Keyword("IS");
                    Space();
                    if (random.Next(2) == 0)
                    {
                        Keyword("NOT");
                        Space();
                    }
                    Keyword("NULL");
                    break;
            }
        }

        private void Column()
        {
            var name = ColumnNames[random.Next(ColumnNames.Length)];
            if (name == "is" || random.Next(4) == 0) _text.Append('"').Append(name).Append('"');
            else _text.Append(random.Next(3) == 0 ? name.ToUpperInvariant() : name);
        }

        private void Literal()
        {
            switch (random.Next(5))
            {
                case 0:
                    _text.Append('\'');
                    for (var n = random.Next(3); n > 0; n--) _text.Append(StringPieces[random.Next(StringPieces.Length)]);
                    _text.Append('\'');
                    break;
                case 1:
                    if (random.Next(3) == 0) _text.Append('-');
                    _text.Append(random.Next(0, 100_000));
                    if (random.Next(2) == 0) _text.Append('.').Append(random.Next(0, 1000).ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
                    break;
                case 2:
                    Keyword(random.Next(2) == 0 ? "TRUE" : "FALSE");
                    break;
                default:
                    _text.Append(Placeholders[random.Next(Placeholders.Length)]);
                    break;
            }
        }

        /// <summary>A keyword in upper, lower or mixed case.</summary>
        private void Keyword(string keyword) => _text.Append(random.Next(3) switch
        {
            0 => keyword,
            1 => keyword.ToLowerInvariant(),
            _ => string.Concat(keyword.Select((c, i) => i % 2 == 0 ? char.ToLowerInvariant(c) : c)),
        });

        private void Space(bool optional = false)
        {
            var count = random.Next(optional ? 0 : 1, 3);
            for (var n = 0; n < count; n++) _text.Append(" \t\n"[random.Next(3)]);
        }
    }
}
