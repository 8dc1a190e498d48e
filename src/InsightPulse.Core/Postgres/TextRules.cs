namespace InsightPulse.Core.Postgres;

/// <summary>
/// What free text may hold (a display name, a description, an address, notes): no control characters (line breaks
/// where a field allows them), no half of a character (a lone surrogate, which PostgreSQL cannot store) nor the
/// replacement character U+FFFD that stands in for bytes that were not UTF-8, and none of the characters that turn the
/// direction of the text after them (U+202A–U+202E, U+2066–U+2069: they make a name read differently on screen than it
/// is stored, the trick of spoofed file names).
/// </summary>
public static class TextRules
{
    /// <summary>Why <paramref name="text"/> cannot be stored as free text, or null when it can.</summary>
    public static string? Problem(string text, bool allowLineBreaks = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) && !(allowLineBreaks && c is '\n' or '\r' or '\t')) return "must not contain control characters.";
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) i++;
            else if (char.IsSurrogate(c) || c == '\uFFFD') return "must be valid Unicode text (it holds half of a character, or bytes that were not UTF-8).";
            if (c is >= '\u202A' and <= '\u202E' or >= '\u2066' and <= '\u2069') return "must not contain characters that reverse the direction of the text.";
        }
        return null;
    }
}
