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

    /// <summary>
    /// Shortens to <paramref name="max"/> characters and writes '?' for what must not be echoed as it is: a control
    /// character, half of a character (a lone surrogate, which JSON and PostgreSQL cannot carry, or a pair cut by the
    /// shortening) and a character that reverses the direction of the text. So hostile input can be echoed in a message.
    /// </summary>
    public static string Printable(string? value, int max = 40)
    {
        if (value is null) return "";
        var chars = value.Take(max).ToArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (char.IsHighSurrogate(c) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsControl(c) || char.IsSurrogate(c) || c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069') chars[i] = '?';
        }
        return new string(chars) + (value.Length > max ? "…" : "");
    }
}
