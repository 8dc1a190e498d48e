using System.Collections.Immutable;
using InsightPulse.Core.Bi.Security;

namespace InsightPulse.Core.Tests.Bi;

public sealed class RlsClauseTests
{
    /// <summary>A dataset as the catalogue describes it: column name → format_type.</summary>
    public static readonly IReadOnlyDictionary<string, string> Columns = new Dictionary<string, string>
    {
        ["a"] = "bigint",
        ["company_id"] = "bigint",
        ["user_id"] = "integer",
        ["owner_login"] = "text",
        ["region"] = "text",
        ["amount"] = "numeric(14,2)",
        ["created_at"] = "timestamp with time zone",
        ["booked_at"] = "timestamp(3) without time zone",
        ["day"] = "date",
        ["active"] = "boolean",
        ["code"] = "character varying(3)",
        ["country"] = "character(2)",
        ["order"] = "integer",
        ["is"] = "smallint",
        ["tags"] = "text[]",
    };

    private static readonly Dictionary<string, string?> Viewer = new()
    {
        ["company_id"] = "7",
        ["user_id"] = "42",
        ["user_login"] = "ana.cruz",
    };

    private static string Sql(string clause, SqlBinder? binder = null) =>
        RlsClause.Parse(clause, Columns).ToSql((binder ?? new SqlBinder()).Bind, Viewer);

    [Theory]
    [InlineData("company_id = ${company_id}", """("company_id" = CAST(@p0 AS bigint))""")]
    [InlineData("amount > 10.5", """("amount" > CAST(@p0 AS numeric))""")]
    [InlineData("amount <= -0.25", """("amount" <= CAST(@p0 AS numeric))""")]
    [InlineData("company_id != -3", """("company_id" <> CAST(@p0 AS bigint))""")]
    [InlineData("company_id <> 3", """("company_id" <> CAST(@p0 AS bigint))""")]
    [InlineData("user_id >= ${user_id}", """("user_id" >= CAST(@p0 AS integer))""")]
    [InlineData("user_id < 10", """("user_id" < CAST(@p0 AS integer))""")]
    [InlineData("owner_login = ${user_login}", """("owner_login" = CAST(@p0 AS text))""")]
    [InlineData("region IN ('NCR', 'CAR')", """("region" IN (CAST(@p0 AS text), CAST(@p1 AS text)))""")]
    [InlineData("region not in ('NCR')", """("region" NOT IN (CAST(@p0 AS text)))""")]
    [InlineData("owner_login IS NULL", """("owner_login" IS NULL)""")]
    [InlineData("owner_login is not null", """("owner_login" IS NOT NULL)""")]
    [InlineData("active = TRUE", """("active" = CAST(@p0 AS boolean))""")]
    [InlineData("created_at >= '2026-01-01'", """("created_at" >= CAST(@p0 AS timestamp with time zone))""")]
    [InlineData("booked_at < '2026-01-01 10:00'", """("booked_at" < CAST(@p0 AS timestamp without time zone))""")]
    [InlineData("day = '2026-03-01'", """("day" = CAST(@p0 AS date))""")]
    [InlineData("code = 'NCR'", """("code" = CAST(@p0 AS character varying))""")]
    [InlineData("country = 'PH'", """("country" = CAST(@p0 AS bpchar))""")]
    [InlineData("tags = '{a,b}'", """("tags" = CAST(@p0 AS text[]))""")]
    [InlineData("order = 1", """("order" = CAST(@p0 AS integer))""")]
    [InlineData("\"is\" = 1", """("is" = CAST(@p0 AS smallint))""")]
    [InlineData("COMPANY_ID = 1", """("company_id" = CAST(@p0 AS bigint))""")]
    [InlineData("\"company_id\" = 1", """("company_id" = CAST(@p0 AS bigint))""")]
    [InlineData("NOT active = false", """(NOT ("active" = CAST(@p0 AS boolean)))""")]
    [InlineData("NOT NOT active = false", """(NOT (NOT ("active" = CAST(@p0 AS boolean))))""")]
    [InlineData("a = 1 AND a = 2 OR a = 3", """((("a" = CAST(@p0 AS bigint)) AND ("a" = CAST(@p1 AS bigint))) OR ("a" = CAST(@p2 AS bigint)))""")]
    [InlineData("a = 1 OR a = 2 AND a = 3", """(("a" = CAST(@p0 AS bigint)) OR (("a" = CAST(@p1 AS bigint)) AND ("a" = CAST(@p2 AS bigint))))""")]
    [InlineData("a = 1 AND (a = 2 OR a = 3)", """(("a" = CAST(@p0 AS bigint)) AND (("a" = CAST(@p1 AS bigint)) OR ("a" = CAST(@p2 AS bigint))))""")]
    [InlineData("NOT (a = 1 OR a = 2)", """(NOT (("a" = CAST(@p0 AS bigint)) OR ("a" = CAST(@p1 AS bigint))))""")]
    [InlineData("((((a = 1))))", """("a" = CAST(@p0 AS bigint))""")]
    [InlineData("  a\t=\n1  ", """("a" = CAST(@p0 AS bigint))""")]
    [InlineData("company_id = ${company_id} AND (owner_login = ${user_login} OR region IN ('NCR', 'CAR')) AND amount IS NOT NULL",
        """((("company_id" = CAST(@p0 AS bigint)) AND (("owner_login" = CAST(@p1 AS text)) OR ("region" IN (CAST(@p2 AS text), CAST(@p3 AS text))))) AND ("amount" IS NOT NULL))""")]
    public void An_accepted_clause_renders_to_parenthesized_SQL_with_quoted_columns_and_cast_parameters(string clause, string expected)
    {
        Assert.Equal(expected, Sql(clause));
    }

    [Fact]
    public void Every_literal_and_placeholder_is_bound_as_invariant_text_in_order()
    {
        var binder = new SqlBinder();

        Sql("company_id = ${company_id} AND owner_login = ${user_login} AND amount > -10.50 AND active = TRUE AND region IN ('it''s', 'NCR') AND user_id = ${user_id}", binder);

        Assert.Equal(["7", "ana.cruz", "-10.50", "true", "it's", "NCR", "42"], binder.Values);
    }

    [Fact]
    public void Placeholder_values_are_bound_never_inlined_whatever_they_hold()
    {
        var hostile = new Dictionary<string, string?> { ["user_login"] = "x' OR '1'='1", ["company_id"] = "1); DROP TABLE t; --" };
        var binder = new SqlBinder();

        var sql = RlsClause.Parse("owner_login = ${user_login} OR company_id = ${company_id}", Columns).ToSql(binder.Bind, hostile);

        Assert.Equal("""(("owner_login" = CAST(@p0 AS text)) OR ("company_id" = CAST(@p1 AS bigint)))""", sql);
        Assert.Equal(["x' OR '1'='1", "1); DROP TABLE t; --"], binder.Values);
    }

    [Theory]
    [InlineData("user_id")]
    [InlineData("company_id")]
    public void A_placeholder_without_a_value_cannot_be_rendered(string missing)
    {
        var values = new Dictionary<string, string?>(Viewer) { [missing] = null };
        var clause = RlsClause.Parse("company_id = ${company_id} AND user_id = ${user_id}", Columns);

        var withNull = Assert.Throws<RlsClauseException>(() => clause.ToSql(new SqlBinder().Bind, values));
        values.Remove(missing);
        var absent = Assert.Throws<RlsClauseException>(() => clause.ToSql(new SqlBinder().Bind, values));

        Assert.Contains("${" + missing + "} has no value", withNull.Message, StringComparison.Ordinal);
        Assert.Contains("${" + missing + "} has no value", absent.Message, StringComparison.Ordinal);
        Assert.Null(absent.Position);
    }

    [Theory]
    [InlineData("1")]
    [InlineData("'1'")]
    [InlineData("@p0; DROP TABLE t")]
    [InlineData("")]
    public void A_bind_function_that_returns_anything_but_a_parameter_reference_is_refused(string returned)
    {
        var clause = RlsClause.Parse("a = 1", Columns);

        Assert.Throws<InvalidOperationException>(() => clause.ToSql(_ => returned, Viewer));
    }

    [Theory]
    [InlineData("@p0")]
    [InlineData(":p0")]
    [InlineData("$1")]
    public void The_usual_parameter_styles_are_accepted(string reference)
    {
        Assert.Equal($"(\"a\" = CAST({reference} AS bigint))", RlsClause.Parse("a = 1", Columns).ToSql(_ => reference, Viewer));
    }

    [Theory]
    // the cases named in the brief
    [InlineData("1=1 OR", 1, "expected a column of the dataset, found '1'")]
    [InlineData("a = 1; DROP TABLE x", 6, "expected AND, OR or the end of the clause, found ';'")]
    [InlineData("a = 1 -- x", 7, "expected AND, OR or the end of the clause, found '-'")]
    [InlineData("a = 1 /* */", 7, "expected AND, OR or the end of the clause, found '/'")]
    [InlineData("pg_sleep(1) = 1", 1, "expected a column of the dataset, found 'pg_sleep'")]
    [InlineData("a = (SELECT 1)", 5, "expected a value ('text', a number, TRUE, FALSE or a placeholder), found '('")]
    [InlineData("\"a\"\" = 1", 1, "unterminated quoted column name: expected a closing \"")]
    [InlineData("a = 'x", 5, "unterminated string: expected a closing '")]
    [InlineData("a = 'x' OR TRUE", 12, "expected a column of the dataset, found 'TRUE'")]
    [InlineData("b = 1", 1, "expected a column of the dataset, found 'b' (its columns: a, active, amount,")]
    [InlineData("${tenant_id}", 1, "unknown placeholder '${tenant_id}': expected ${company_id}, ${user_id} or ${user_login}")]
    [InlineData("a = ${tenant_id}", 5, "unknown placeholder '${tenant_id}'")]
    [InlineData("a IN ()", 7, "expected a value ('text', a number, TRUE, FALSE or a placeholder), found ')'")]
    // more of the same family
    [InlineData("", 1, "expected a column of the dataset, found the end of the clause")]
    [InlineData("   ", 4, "expected a column of the dataset, found the end of the clause")]
    [InlineData("a = 1 OR 1=1", 10, "expected a column of the dataset, found '1'")]
    [InlineData("a = 1 OR a = a", 14, "expected a value")]
    [InlineData("TRUE", 1, "expected a column of the dataset, found 'TRUE'")]
    [InlineData("a", 2, "expected a comparison (=, !=, <>, <, <=, >, >=), IN, NOT IN or IS after the column, found the end of the clause")]
    [InlineData("region LIKE '%'", 8, "expected a comparison (=, !=, <>, <, <=, >, >=), IN, NOT IN or IS after the column, found 'LIKE'")]
    [InlineData("region ~ 'x'", 8, "found '~'")]
    [InlineData("a == 1", 4, "expected a value")]
    [InlineData("a = - 1", 5, "found '-'")]
    [InlineData("a = 1e5", 6, "expected AND, OR or the end of the clause, found 'e5'")]
    [InlineData("a = 1.", 6, "found '.'")]
    [InlineData("a = .5", 5, "found '.'")]
    [InlineData("a = 0x10", 6, "found 'x10'")]
    [InlineData("a = 1::text", 6, "found ':'")]
    [InlineData("region = 'a' || 'b'", 14, "found '|'")]
    [InlineData("region = E'\\x27'", 10, "expected a value")]
    [InlineData("region = $$x$$", 10, "expected a placeholder (${company_id}, ${user_id} or ${user_login}), found '$$x$$'")]
    [InlineData("a = ${company_id", 5, "expected a placeholder")]
    [InlineData("a = ${COMPANY_ID}", 5, "unknown placeholder '${COMPANY_ID}'")]
    [InlineData("a = NULL", 5, "expected a value")]
    [InlineData("a IS 1", 6, "expected NULL or NOT NULL, found '1'")]
    [InlineData("a IS NOT 1", 10, "expected NULL, found '1'")]
    [InlineData("a NOT = 1", 7, "expected IN after NOT, found '='")]
    [InlineData("a IN 1", 6, "expected '(' after IN, found '1'")]
    [InlineData("a IN (1 2)", 9, "expected ',' or ')', found '2'")]
    [InlineData("a IN (1,)", 9, "expected a value")]
    [InlineData("a IN (SELECT a FROM t)", 7, "expected a value")]
    [InlineData("(a = 1", 7, "expected AND, OR or ')', found the end of the clause")]
    [InlineData("a = 1)", 6, "expected AND, OR or the end of the clause, found ')'")]
    [InlineData("()", 2, "expected a column of the dataset, found ')'")]
    [InlineData("a = 1 AND", 10, "expected a column of the dataset, found the end of the clause")]
    [InlineData("a = 1 AND AND a = 2", 11, "found 'AND'")]
    [InlineData("NOT", 4, "found the end of the clause")]
    [InlineData("\"A\" = 1", 1, "found '\"A\"'")]
    [InlineData("\"\" = 1", 1, "expected a column name between the double quotes")]
    [InlineData("a.b = 1", 2, "found '.'")]
    [InlineData("public.a = 1", 1, "found 'public'")]
    [InlineData("a = 'x'\0", 8, "found '?'")]
    [InlineData("région = 'x'", 1, "found 'r'")]
    [InlineData("a = 1 ; ", 7, "found ';'")]
    [InlineData("a = 1\n--", 7, "found '-'")]
    [InlineData("a = $1", 5, "expected a placeholder")]
    [InlineData("a = :x", 5, "expected a value")]
    [InlineData("a = ?", 5, "expected a value")]
    [InlineData("a = current_user", 5, "expected a value")]
    [InlineData("current_setting('app.tenant_id') = 'x'", 1, "found 'current_setting'")]
    [InlineData("a = 1 UNION SELECT 1", 7, "found 'UNION'")]
    public void A_clause_outside_the_grammar_is_refused_at_its_position(string clause, int position, string expected)
    {
        var exception = Assert.Throws<RlsClauseException>(() => RlsClause.Parse(clause, Columns));

        Assert.Equal(position, exception.Position);
        Assert.StartsWith($"position {position}: ", exception.Message, StringComparison.Ordinal);
        Assert.Contains(expected, exception.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(exception.Message, char.IsControl);
    }

    [Fact]
    public void A_string_holding_NUL_is_refused_as_PostgreSQL_text_cannot_hold_it()
    {
        var exception = Assert.Throws<RlsClauseException>(() => RlsClause.Parse("region = 'a\0b'", Columns));

        Assert.Equal(10, exception.Position);
    }

    [Fact]
    public void Nesting_is_accepted_to_32_levels_and_refused_beyond()
    {
        static string Nested(int depth) => new string('(', depth) + "a = 1" + new string(')', depth);
        static string Negated(int depth) => string.Concat(Enumerable.Repeat("NOT ", depth)) + "a = 1";

        Assert.Equal(RlsClause.Parse("a = 1", Columns), RlsClause.Parse(Nested(32), Columns));
        Assert.IsType<RlsNot>(RlsClause.Parse(Negated(32), Columns));
        Assert.IsType<RlsNot>(RlsClause.Parse("NOT (" + Negated(30) + ")", Columns));

        var parentheses = Assert.Throws<RlsClauseException>(() => RlsClause.Parse(Nested(33), Columns));
        var nots = Assert.Throws<RlsClauseException>(() => RlsClause.Parse(Negated(33), Columns));
        var mixed = Assert.Throws<RlsClauseException>(() => RlsClause.Parse("NOT (" + Negated(31) + ")", Columns));

        Assert.Equal("position 33: the clause is nested deeper than 32 levels of parentheses and NOT", parentheses.Message);
        Assert.Equal(32 * 4 + 1, nots.Position);
        Assert.Equal(6 + 30 * 4, mixed.Position);
    }

    [Fact]
    public void Deep_nesting_far_beyond_the_limit_is_refused_without_exhausting_the_stack()
    {
        var exception = Assert.Throws<RlsClauseException>(() => RlsClause.Parse(new string('(', RlsClause.MaxLength), Columns));

        Assert.Equal(33, exception.Position);
    }

    [Fact]
    public void A_clause_is_accepted_to_4000_characters_and_refused_beyond()
    {
        var atLimit = "a = 1" + new string(' ', RlsClause.MaxLength - 5);
        Assert.Equal(RlsClause.MaxLength, atLimit.Length);
        Assert.Equal(RlsClause.Parse("a = 1", Columns), RlsClause.Parse(atLimit, Columns));

        var exception = Assert.Throws<RlsClauseException>(() => RlsClause.Parse(atLimit + " ", Columns));

        Assert.Equal("position 4001: the clause is longer than 4000 characters", exception.Message);
    }

    [Fact]
    public void A_long_chain_of_conditions_within_the_length_limit_parses_and_renders()
    {
        var clause = string.Join(" OR ", Enumerable.Range(0, 400).Select(i => $"a={i}"));
        var binder = new SqlBinder();

        var sql = RlsClause.Parse(clause, Columns).ToSql(binder.Bind, Viewer);

        Assert.Equal(400, binder.Values.Count);
        Assert.StartsWith(new string('(', 400), sql, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unquoted_name_is_folded_to_lower_case_and_a_quoted_one_is_taken_as_written()
    {
        var columns = new Dictionary<string, string> { ["region"] = "text", ["Region"] = "text" };

        Assert.Equal(new RlsColumn("region", "text"), ((RlsIsNull)RlsClause.Parse("REGION IS NULL", columns)).Column);
        Assert.Equal(new RlsColumn("region", "text"), ((RlsIsNull)RlsClause.Parse("\"region\" IS NULL", columns)).Column);
        Assert.Throws<RlsClauseException>(() => RlsClause.Parse("\"REGION\" IS NULL", columns));
    }

    [Fact]
    public void Columns_match_case_sensitively_even_when_the_dictionary_ignores_case()
    {
        var columns = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Region"] = "text" };

        var exception = Assert.Throws<RlsClauseException>(() => RlsClause.Parse("region = 'x'", columns));

        Assert.Contains("found 'region' (its columns: Region)", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_columns_named_in_an_error_are_printable_and_at_most_twelve()
    {
        var many = Enumerable.Range(0, 20).ToDictionary(i => $"c{i:D2}", _ => "text");
        var hostile = new Dictionary<string, string> { ["evil\nname"] = "text" };

        var manyMessage = Assert.Throws<RlsClauseException>(() => RlsClause.Parse("x = 1", many)).Message;
        var hostileMessage = Assert.Throws<RlsClauseException>(() => RlsClause.Parse("x = 1", hostile)).Message;

        Assert.EndsWith("(its columns: c00, c01, c02, c03, c04, c05, c06, c07, c08, c09, c10, c11, …)", manyMessage, StringComparison.Ordinal);
        Assert.EndsWith("(its columns: evil?name)", hostileMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void A_column_whose_name_cannot_be_quoted_safely_is_refused()
    {
        var columns = new Dictionary<string, string> { ["Amount"] = "numeric", ["x\"y"] = "text" };

        var upper = Assert.Throws<RlsClauseException>(() => RlsClause.Parse("\"Amount\" > 1", columns));
        var quote = Assert.Throws<RlsClauseException>(() => RlsClause.Parse("\"x\"\"y\" = 'a'", columns));

        Assert.Equal("position 1: column \"Amount\" cannot be used in a clause: only lower-case names of letters, digits and '_' can be quoted safely", upper.Message);
        Assert.Equal(1, quote.Position);
    }

    [Theory]
    [InlineData("\"MyEnum\"")]
    [InlineData("text; DROP TABLE t")]
    [InlineData("text)")]
    [InlineData("")]
    [InlineData("Text")]
    public void A_column_whose_type_cannot_be_written_into_a_cast_is_refused(string type)
    {
        var columns = new Dictionary<string, string> { ["mood"] = type };

        var exception = Assert.Throws<RlsClauseException>(() => RlsClause.Parse("a = 1 OR mood = 'x'", new Dictionary<string, string>(columns) { ["a"] = "bigint" }));

        Assert.Equal(10, exception.Position);
        Assert.Contains("which a clause cannot compare with", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("text", "text")]
    [InlineData("bigint", "bigint")]
    [InlineData("numeric(14,2)", "numeric")]
    [InlineData("character varying(20)", "character varying")]
    [InlineData("character(2)", "bpchar")]
    [InlineData("character(2)[]", "bpchar[]")]
    [InlineData("timestamp(3) with time zone", "timestamp with time zone")]
    [InlineData("time(0) without time zone", "time without time zone")]
    [InlineData("interval day to second(3)", "interval day to second")]
    [InlineData("double precision", "double precision")]
    [InlineData("public.mood", "public.mood")]
    [InlineData("integer[]", "integer[]")]
    public void A_value_is_cast_to_the_column_type_without_its_modifier_so_it_is_never_truncated_or_rounded(string type, string castType)
    {
        Assert.Equal(castType, new RlsColumn("c", type).CastType());
    }

    [Theory]
    [InlineData("company_id=${company_id}", "company_id = ${company_id}")]
    [InlineData("a  =  1   and   a != 2", "a = 1 AND a <> 2")]
    [InlineData("(a = 1 OR a = 2) AND a = 3", "(a = 1 OR a = 2) AND a = 3")]
    [InlineData("a = 1 OR (a = 2 AND a = 3)", "a = 1 OR a = 2 AND a = 3")]
    [InlineData("a = 1 OR (a = 2 OR a = 3)", "a = 1 OR (a = 2 OR a = 3)")]
    [InlineData("((a = 1 AND a = 2) AND a = 3)", "a = 1 AND a = 2 AND a = 3")]
    [InlineData("not (a = 1) and not (a = 2 or a = 3)", "NOT a = 1 AND NOT (a = 2 OR a = 3)")]
    [InlineData("region in('it''s','x')", "region IN ('it''s', 'x')")]
    [InlineData("REGION NOT IN ('x')", "region NOT IN ('x')")]
    [InlineData("active = true or active is null", "active = TRUE OR active IS NULL")]
    [InlineData("\"order\" = -1.50", "order = -1.50")]
    [InlineData("\"is\" is not null", "\"is\" IS NOT NULL")]
    public void ToString_gives_a_normalized_clause_for_the_audit_log(string clause, string normalized)
    {
        var expression = RlsClause.Parse(clause, Columns);

        Assert.Equal(normalized, expression.ToString());
        Assert.Equal(expression, RlsClause.Parse(normalized, Columns));
    }

    [Fact]
    public void Parsed_trees_compare_by_value_including_IN_lists()
    {
        Assert.Equal(RlsClause.Parse("region IN ('a', 'b')", Columns), RlsClause.Parse("(region in ('a','b'))", Columns));
        Assert.NotEqual(RlsClause.Parse("region IN ('a', 'b')", Columns), RlsClause.Parse("region IN ('b', 'a')", Columns));
        Assert.Equal(RlsClause.Parse("region IN ('a')", Columns).GetHashCode(), RlsClause.Parse("region IN ( 'a' )", Columns).GetHashCode());
        Assert.Equal(
            new RlsIn(new RlsColumn("region", "text"), true, [new RlsLiteral(RlsLiteralKind.Text, "x")]),
            RlsClause.Parse("region NOT IN ('x')", Columns));
        Assert.Equal(
            new RlsComparison(new RlsColumn("company_id", "bigint"), RlsOperator.Equal, new RlsLiteral(RlsLiteralKind.Placeholder, "company_id")),
            RlsClause.Parse("company_id = ${company_id}", Columns));
    }

    [Fact]
    public void A_tree_built_by_hand_is_checked_again_when_rendered()
    {
        Assert.Throws<ArgumentException>(() =>
            new RlsIsNull(new RlsColumn("x\"; DROP TABLE t; --", "text"), false).ToSql(new SqlBinder().Bind, Viewer));
        Assert.Throws<ArgumentException>(() =>
            new RlsComparison(new RlsColumn("a", "text) OR (1=1"), RlsOperator.Equal, new RlsLiteral(RlsLiteralKind.Text, "x")).ToSql(new SqlBinder().Bind, Viewer));
        Assert.Throws<RlsClauseException>(() =>
            new RlsComparison(new RlsColumn("a", "text"), RlsOperator.Equal, new RlsLiteral(RlsLiteralKind.Placeholder, "tenant_id")).ToSql(new SqlBinder().Bind, Viewer));
        Assert.Throws<InvalidOperationException>(() =>
            new RlsIn(new RlsColumn("a", "text"), false, ImmutableArray<RlsLiteral>.Empty).ToSql(new SqlBinder().Bind, Viewer));
    }
}
