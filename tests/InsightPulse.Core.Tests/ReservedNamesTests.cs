using System.Text.RegularExpressions;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Core.Tests;

public sealed class ReservedNamesTests
{
    private static string FunctionBody()
    {
        var sql = File.ReadAllText(RepositoryRoot.File("db", "platform", "0001_tenant_registry.sql"));
        var start = sql.IndexOf("CREATE FUNCTION ipai_is_reserved_name", StringComparison.Ordinal);
        Assert.True(start >= 0, "ipai_is_reserved_name is not defined in 0001_tenant_registry.sql");
        var bodyStart = sql.IndexOf("$$", start, StringComparison.Ordinal);
        var bodyEnd = sql.IndexOf("$$", bodyStart + 2, StringComparison.Ordinal);
        return sql[bodyStart..bodyEnd];
    }

    private static List<List<string>> Arrays() =>
        Regex.Matches(FunctionBody(), @"ARRAY\[(.*?)\]", RegexOptions.Singleline)
            .Select(m => Regex.Matches(m.Groups[1].Value, "'([^']*)'").Select(n => n.Groups[1].Value).ToList())
            .ToList();

    [Fact]
    public void The_sql_function_has_two_name_lists()
    {
        Assert.Equal(2, Arrays().Count);
    }

    [Fact]
    public void The_sql_function_reserves_exactly_the_names_of_ReservedNames()
    {
        var inSql = Arrays().SelectMany(a => a).ToList();
        var inCode = ReservedNames.System.Union(ReservedNames.SqlKeywords).ToHashSet(StringComparer.Ordinal);

        Assert.Equal(inSql.Count, inSql.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(inCode.Order(StringComparer.Ordinal), inSql.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_two_sql_lists_are_the_system_names_and_the_key_words()
    {
        var arrays = Arrays();

        Assert.True(ReservedNames.System.SetEquals(arrays[0]), "first ARRAY differs from ReservedNames.System");
        Assert.True(ReservedNames.SqlKeywords.SetEquals(arrays[1]), "second ARRAY differs from ReservedNames.SqlKeywords");
    }

    [Fact]
    public void The_sql_function_reserves_the_pg_prefix_as_IsReserved_does()
    {
        Assert.Contains("left(name, 3) = 'pg_'", FunctionBody(), StringComparison.Ordinal);
        Assert.True(ReservedNames.IsReserved("pg_"));
        Assert.True(ReservedNames.IsReserved("pg_anything"));
        Assert.False(ReservedNames.IsReserved("pg"));
        Assert.False(ReservedNames.IsReserved("pgx"));
    }

    [Theory]
    [InlineData("public")]
    [InlineData("information_schema")]
    [InlineData("auth")]
    [InlineData("storage")]
    [InlineData("extensions")]
    [InlineData("postgres")]
    [InlineData("template0")]
    [InlineData("template1")]
    [InlineData("select")]
    [InlineData("user")]
    [InlineData("table")]
    [InlineData("order")]
    public void The_names_of_the_brief_are_reserved(string name)
    {
        Assert.True(ReservedNames.IsReserved(name));
    }

    [Theory]
    [InlineData("tbwa")]
    [InlineData("scout")]
    [InlineData("platform")]
    [InlineData("odoo_tbwa")]
    [InlineData("SELECT")]
    [InlineData("users")]
    public void Ordinary_names_are_not_reserved(string name)
    {
        Assert.False(ReservedNames.IsReserved(name));
    }
}
