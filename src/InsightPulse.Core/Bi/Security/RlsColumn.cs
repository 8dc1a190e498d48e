using System.Text.RegularExpressions;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// A column of the dataset as the catalogue names it, with its type as PostgreSQL's <c>format_type</c> prints it
/// (<c>text</c>, <c>numeric(14,2)</c>, <c>timestamp with time zone</c>…).
/// </summary>
public sealed partial record RlsColumn(string Name, string Type)
{
    /// <summary>
    /// True for the type texts a clause can cast to: lower-case words, digits, an optional schema, a type modifier
    /// and array brackets. The type becomes SQL text in the cast, so nothing else (a quote, a semicolon) passes.
    /// </summary>
    public static bool IsSupportedType(string? type) => type is { Length: <= 200 } && SupportedType().IsMatch(type);

    /// <summary>
    /// The type a value is cast to: <see cref="Type"/> without its modifier. An explicit cast to <c>varchar(3)</c> or
    /// <c>char(2)</c> silently truncates (<c>'NCRX'</c> would become <c>'NCR'</c> and match rows it must not), and
    /// one to <c>numeric(14,2)</c> rounds; without the modifier the value compares as PostgreSQL compares a literal.
    /// <c>character</c> alone would mean <c>character(1)</c>, so it becomes <c>bpchar</c>, its unbounded form.
    /// </summary>
    public string CastType()
    {
        if (!IsSupportedType(Type))
        {
            throw new ArgumentException($"'{Sql.Printable(Type)}' is not a type an RLS clause can cast to.", nameof(Type));
        }
        var unmodified = TypeModifier().Replace(Type, "");
        return unmodified == "character" || unmodified.StartsWith("character[", StringComparison.Ordinal)
            ? "bpchar" + unmodified["character".Length..]
            : unmodified;
    }

    /// <summary>The name as the clause grammar writes it: bare when it reads back the same, double-quoted otherwise.</summary>
    internal string ClauseText() =>
        Sql.IsPlainIdentifier(Name) && !RlsLexer.IsKeyword(Name)
            ? Name
            : "\"" + Name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    [GeneratedRegex(@"\A[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?(\(\d{1,4}(,\d{1,4})?\))?( [a-z_][a-z0-9_]*(\(\d{1,4}(,\d{1,4})?\))?)*(\[\])*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SupportedType();

    [GeneratedRegex(@"\(\d{1,4}(,\d{1,4})?\)", RegexOptions.CultureInvariant)]
    private static partial Regex TypeModifier();
}
