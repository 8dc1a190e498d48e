using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Tests;

public sealed class SqlTests
{
    [Theory]
    [InlineData("tbwa")]
    [InlineData("odoo_tbwa")]
    [InlineData("_x")]
    [InlineData("a1")]
    [InlineData("select")]
    public void Identifier_double_quotes_a_plain_name(string name)
    {
        Assert.Equal("\"" + name + "\"", Sql.Identifier(name));
    }

    [Fact]
    public void Identifier_accepts_63_characters_and_refuses_64()
    {
        var name63 = new string('a', 63);
        Assert.Equal("\"" + name63 + "\"", Sql.Identifier(name63));
        Assert.Throws<ArgumentException>(() => Sql.Identifier(new string('a', 64)));
    }

    [Theory]
    [MemberData(nameof(HostileInput.IdentifierCases), MemberType = typeof(HostileInput))]
    public void Identifier_refuses_a_hostile_name_with_a_printable_message(string label)
    {
        var exception = Assert.Throws<ArgumentException>(() => Sql.Identifier(HostileInput.Get(label)));

        Assert.Equal("name", exception.ParamName);
        Assert.DoesNotContain(exception.Message, char.IsControl);
        Assert.True(exception.Message.Length <= 300, $"message of {exception.Message.Length} characters");
        Assert.False(Sql.IsPlainIdentifier(HostileInput.Get(label)));
    }

    [Theory]
    [MemberData(nameof(HostileInput.IdentifierCases), MemberType = typeof(HostileInput))]
    public void Identifier_never_returns_a_quote_taken_from_the_input(string label)
    {
        string? quoted = null;
        try
        {
            quoted = Sql.Identifier(HostileInput.Get(label));
        }
        catch (ArgumentException)
        {
        }

        if (quoted is not null)
        {
            Assert.StartsWith("\"", quoted, StringComparison.Ordinal);
            Assert.EndsWith("\"", quoted, StringComparison.Ordinal);
            Assert.DoesNotContain('"', quoted[1..^1]);
        }
    }

    [Fact]
    public void IsPlainIdentifier_refuses_null_and_empty()
    {
        Assert.False(Sql.IsPlainIdentifier(null));
        Assert.False(Sql.IsPlainIdentifier(""));
        Assert.True(Sql.IsPlainIdentifier("tbwa"));
    }

    [Theory]
    [InlineData("secret", "'secret'")]
    [InlineData("it's", "'it''s'")]
    [InlineData("''", "''''''")]
    [InlineData("'; DROP DATABASE x;--", "'''; DROP DATABASE x;--'")]
    [InlineData("a\\b", "'a\\b'")]
    [InlineData("", "''")]
    public void Literal_quotes_and_doubles_single_quotes(string value, string expected)
    {
        Assert.Equal(expected, Sql.Literal(value));
    }

    [Theory]
    [MemberData(nameof(HostileInput.UniversalCases), MemberType = typeof(HostileInput))]
    public void Literal_leaves_no_lone_quote_inside(string label)
    {
        var value = HostileInput.Get(label);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            Assert.Throws<ArgumentException>(() => Sql.Literal(value));
            return;
        }

        var literal = Sql.Literal(value);

        Assert.StartsWith("'", literal, StringComparison.Ordinal);
        Assert.EndsWith("'", literal, StringComparison.Ordinal);
        Assert.DoesNotContain('\'', literal[1..^1].Replace("''", "", StringComparison.Ordinal));
        Assert.Equal(value, literal[1..^1].Replace("''", "'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a\0b")]
    [InlineData("\0")]
    public void Literal_refuses_nul(string value)
    {
        Assert.Throws<ArgumentException>(() => Sql.Literal(value));
    }

    [Fact]
    public void Literal_refuses_null()
    {
        Assert.Throws<ArgumentNullException>(() => Sql.Literal(null!));
    }

    [Fact]
    public void Printable_leaves_short_plain_text_alone()
    {
        Assert.Equal("tbwa'; DROP", Sql.Printable("tbwa'; DROP"));
        Assert.Equal(new string('a', 40), Sql.Printable(new string('a', 40)));
    }

    [Fact]
    public void Printable_truncates_to_40_characters_and_marks_the_cut()
    {
        Assert.Equal(new string('a', 40) + "…", Sql.Printable(new string('a', 41)));
        Assert.Equal(41, Sql.Printable(new string('a', 10_240)).Length);
    }

    [Fact]
    public void Printable_honours_a_given_maximum()
    {
        Assert.Equal("ab…", Sql.Printable("abc", max: 2));
    }

    [Fact]
    public void Printable_masks_control_characters()
    {
        Assert.Equal("a?b?c?d?e?f?g", Sql.Printable("a\0b\nc\td\re\u001bf\u007fg"));
        Assert.Equal("x?", Sql.Printable("x\u0085"));
    }

    [Fact]
    public void Printable_of_ten_kilobytes_of_control_characters_is_short_and_clean()
    {
        var printable = Sql.Printable(new string('\u0001', 10_240));

        Assert.Equal(new string('?', 40) + "…", printable);
    }

    [Fact]
    public void Printable_of_null_is_empty()
    {
        Assert.Equal("", Sql.Printable(null));
    }
}
