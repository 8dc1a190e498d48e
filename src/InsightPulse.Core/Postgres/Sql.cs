using System.Text.RegularExpressions;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// The one place where identifiers become SQL text. Every identifier is validated against a strict
/// pattern and then double-quoted, so nothing from input is ever concatenated into a statement raw.
/// </summary>
public static partial class Sql
{
    /// <summary>PostgreSQL truncates identifiers beyond 63 bytes (NAMEDATALEN - 1).</summary>
    public const int MaxIdentifierLength = 63;

    [GeneratedRegex(@"\A[a-z_][a-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex PlainIdentifier();

    /// <summary>True when <paramref name="name"/> is a lower-case ASCII identifier PostgreSQL keeps as is.</summary>
    public static bool IsPlainIdentifier(string? name) =>
        name is { Length: > 0 and <= MaxIdentifierLength } && PlainIdentifier().IsMatch(name);

    /// <summary>Validates and double-quotes an identifier (database, schema, role, table).</summary>
    public static string Identifier(string name)
    {
        if (!IsPlainIdentifier(name))
        {
            throw new ArgumentException(
                $"'{Printable(name)}' is not a valid identifier: use lower-case letters, digits and '_' (at most {MaxIdentifierLength}).",
                nameof(name));
        }
        return "\"" + name + "\"";
    }

    /// <summary>A SQL string literal (for the few statements that take no parameters, e.g. PASSWORD in CREATE ROLE).</summary>
    public static string Literal(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A SQL literal cannot contain NUL.", nameof(value));
        }
        return "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Shortens and strips control characters so hostile input can be echoed in a message safely.</summary>
    public static string Printable(string? value, int max = 40)
    {
        if (value is null) return "";
        var chars = value.Take(max).Select(c => char.IsControl(c) ? '?' : c).ToArray();
        return new string(chars) + (value.Length > max ? "…" : "");
    }
}
