using System.Globalization;
using System.Text;

namespace InsightPulse.Core.Bi.Superset;

/// <summary>
/// The subset of Rison (Flask-AppBuilder's <c>q</c> parameter) this project writes and reads: objects
/// <c>(k:v,…)</c>, arrays <c>!(…)</c>, strings (bare when they are id-safe, else <c>'…'</c> with <c>!'</c> and
/// <c>!!</c>), integers, <c>!t</c>, <c>!f</c>, <c>!n</c>. Values are plain .NET values: dictionaries, lists,
/// strings, longs, booleans, null.
/// </summary>
public static class Rison
{
    public static string Encode(object? value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return text.ToString();
    }

    /// <summary>The <c>q</c> of a list request filtering on each (column, operator, value): <c>(filters:!((col:…,opr:…,value:…)),page_size:100)</c>.</summary>
    public static string Filters(params (string Column, string Operator, object Value)[] filters) =>
        Encode(new Dictionary<string, object?>
        {
            ["filters"] = filters.Select(f => (object?)new Dictionary<string, object?> { ["col"] = f.Column, ["opr"] = f.Operator, ["value"] = f.Value }).ToList(),
            ["page_size"] = 100L,
        });

    private static void Write(StringBuilder text, object? value)
    {
        switch (value)
        {
            case null: text.Append("!n"); break;
            case bool b: text.Append(b ? "!t" : "!f"); break;
            case int or long: text.Append(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case string s: WriteString(text, s); break;
            case IDictionary<string, object?> map:
                text.Append('(');
                var first = true;
                foreach (var (key, item) in map)
                {
                    if (!first) text.Append(',');
                    first = false;
                    WriteString(text, key);
                    text.Append(':');
                    Write(text, item);
                }
                text.Append(')');
                break;
            case System.Collections.IEnumerable list:
                text.Append("!(");
                var head = true;
                foreach (var item in list)
                {
                    if (!head) text.Append(',');
                    head = false;
                    Write(text, item);
                }
                text.Append(')');
                break;
            default: throw new ArgumentException($"Rison cannot write a {value.GetType().Name}.", nameof(value));
        }
    }

    private static void WriteString(StringBuilder text, string s)
    {
        if (s.Length > 0 && !char.IsAsciiDigit(s[0]) && s[0] != '-' && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or '~'))
        {
            text.Append(s);
            return;
        }
        text.Append('\'').Append(s.Replace("!", "!!", StringComparison.Ordinal).Replace("'", "!'", StringComparison.Ordinal)).Append('\'');
    }

    /// <summary>Parses <paramref name="text"/>; a <see cref="FormatException"/> names the position of what it could not read.</summary>
    public static object? Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var position = 0;
        var value = Read(text, ref position, 0);
        if (position != text.Length) throw new FormatException($"Rison: unexpected '{text[position]}' at position {position}.");
        return value;
    }

    private static object? Read(string text, ref int i, int depth)
    {
        if (depth > 16) throw new FormatException("Rison: nested too deeply.");
        if (i >= text.Length) throw new FormatException("Rison: unexpected end.");
        var c = text[i];
        if (c == '(')
        {
            i++;
            var map = new Dictionary<string, object?>(StringComparer.Ordinal);
            while (i < text.Length && text[i] != ')')
            {
                if (map.Count > 0) Expect(text, ref i, ',');
                var key = Read(text, ref i, depth + 1) as string ?? throw new FormatException($"Rison: a key must be a string (position {i}).");
                Expect(text, ref i, ':');
                map[key] = Read(text, ref i, depth + 1);
            }
            Expect(text, ref i, ')');
            return map;
        }
        if (c == '!')
        {
            if (i + 1 >= text.Length) throw new FormatException("Rison: unexpected end after '!'.");
            var kind = text[i + 1];
            i += 2;
            switch (kind)
            {
                case 't': return true;
                case 'f': return false;
                case 'n': return null;
                case '(':
                    var list = new List<object?>();
                    while (i < text.Length && text[i] != ')')
                    {
                        if (list.Count > 0) Expect(text, ref i, ',');
                        list.Add(Read(text, ref i, depth + 1));
                    }
                    Expect(text, ref i, ')');
                    return list;
                default: throw new FormatException($"Rison: unknown '!{kind}' at position {i - 2}.");
            }
        }
        if (c == '\'')
        {
            var s = new StringBuilder();
            i++;
            while (true)
            {
                if (i >= text.Length) throw new FormatException("Rison: unterminated string.");
                var ch = text[i++];
                if (ch == '\'') break;
                if (ch == '!')
                {
                    if (i >= text.Length || text[i] is not ('!' or '\'')) throw new FormatException($"Rison: bad escape at position {i - 1}.");
                    ch = text[i++];
                }
                s.Append(ch);
            }
            return s.ToString();
        }
        var start = i;
        while (i < text.Length && text[i] is not ('(' or ')' or ',' or ':' or '!' or '\'')) i++;
        if (i == start) throw new FormatException($"Rison: unexpected '{c}' at position {i}.");
        var word = text[start..i];
        return long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n : word;
    }

    private static void Expect(string text, ref int i, char c)
    {
        if (i >= text.Length || text[i] != c) throw new FormatException($"Rison: expected '{c}' at position {i}.");
        i++;
    }
}
