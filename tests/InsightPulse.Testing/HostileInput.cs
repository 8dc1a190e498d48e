namespace InsightPulse.Testing;

/// <summary>
/// Hostile strings, keyed by a readable label so that test names and corpus files stay printable (the values hold NUL,
/// control characters, lone surrogates and a megabyte). The validation unit tests use them field by field, and the
/// hostile-input corpus (<c>tests/hostile/</c>, <see cref="HostileCorpus"/>) names them with <c>{"$hostile": "label"}</c>.
/// </summary>
public static class HostileInput
{
    /// <summary>Refused by every name-like field: code, schema, database, workspace, host name, e-mail, phone, country, industry, URL.</summary>
    private static readonly Dictionary<string, string> Universal = new(StringComparer.Ordinal)
    {
        ["sql_injection"] = "tbwa'; DROP DATABASE x;--",
        ["double_quote"] = "a\"b",
        ["quoted_identifier"] = "\"tbwa\"",
        ["semicolon"] = "a;b",
        ["block_comment"] = "a/*x*/",
        ["single_quote"] = "a'b",
        ["backslash"] = "a\\b",
        ["dollar_quote"] = "a$$b",
        ["nul_inside"] = "a\0b",
        ["nul_trailing"] = "tbwa\0",
        ["escape_sequence"] = "tbwa\u001b[31m",
        ["tab"] = "tb\twa",
        ["newline_trailing"] = "tbwa\n",
        ["crlf_trailing"] = "tbwa\r\n",
        ["newline_leading"] = "\ntbwa",
        ["newline_inside"] = "tbwa\nx",
        ["delete_char"] = "tbwa\u007f",
        ["c1_control"] = "tb\u0085wa",
        ["line_separator"] = "tbwa\u2028x",
        ["cyrillic_a"] = "tbw\u0430",
        ["turkish_dotless_i"] = "\u0131nsight",
        ["turkish_dotted_capital_i"] = "\u0130nsight",
        ["full_width"] = "\uFF54\uFF42\uFF57\uFF41",
        ["zero_width_space"] = "tb\u200Bwa",
        ["byte_order_mark"] = "\uFEFFtbwa",
        ["right_to_left_mark"] = "tbwa\u200F",
        ["right_to_left_override"] = "\u202Eawbt",
        ["combining_acute"] = "tbwa\u0301",
        ["kelvin_sign"] = "\u212Aey",
        ["long_s"] = "\u017Fcout",
        ["emoji"] = "tbwa\U0001F600",
        ["lone_surrogate"] = "tbwa\uD800",
        ["lone_low_surrogate"] = "\uDC00tbwa",
        ["ten_kilobytes"] = new string('a', 10_240),
        ["ten_kilobytes_hostile"] = string.Concat(Enumerable.Repeat("';\"\0\n\u001b", 10_240 / 6)),
        ["one_megabyte"] = new string('a', 1 << 20),
        ["empty"] = "",
        ["whitespace_only"] = "   ",
        ["leading_space"] = " tbwa",
        ["trailing_space"] = "tbwa ",
        ["inner_space"] = "tb wa",
        ["upper_case"] = "TBWA",
        ["mixed_case"] = "Tbwa",
        ["upper_with_hyphen"] = "Test-123",
        ["at_sign"] = "a@b",
        ["colon"] = "a:b",
        ["slash"] = "a/b",
        ["percent"] = "a%b",
        ["plus"] = "a+b",
    };

    /// <summary>Refused as a PostgreSQL identifier (code, schema, database), though a host name or workspace may take some.</summary>
    private static readonly Dictionary<string, string> IdentifierOnly = new(StringComparer.Ordinal)
    {
        ["line_comment"] = "a--",
        ["hyphen"] = "tb-wa",
        ["dot"] = "a.b",
        ["digit_first"] = "1abc",
        ["digit_only"] = "9",
        ["host_name"] = "tbwa.erp.insightpulseai.com",
        ["path_traversal"] = "../../etc/passwd",
    };

    /// <summary>
    /// Refused by every free-text field too (a display name, a description, an address): text PostgreSQL cannot store
    /// (NUL, a lone surrogate), control characters, a right-to-left override that makes text read backwards, a megabyte.
    /// </summary>
    private static readonly string[] TextLabels =
    [
        "nul_inside", "nul_trailing", "escape_sequence", "delete_char", "c1_control", "lone_surrogate", "lone_low_surrogate",
        "right_to_left_override", "one_megabyte", "ten_kilobytes_hostile",
    ];

    public static string Get(string label) =>
        Universal.TryGetValue(label, out var value) ? value
        : IdentifierOnly.TryGetValue(label, out var identifier) ? identifier
        : throw new ArgumentException($"No hostile string is labelled '{label}'.", nameof(label));

    public static IEnumerable<string> UniversalLabels => Universal.Keys;

    /// <summary>Labels by the name a corpus file uses for them: <c>universal</c>, <c>identifier</c> (universal and identifier-only), <c>text</c>.</summary>
    public static IReadOnlyList<string> Set(string name) => name switch
    {
        "universal" => [.. Universal.Keys],
        "identifier" => [.. Universal.Keys, .. IdentifierOnly.Keys],
        "text" => TextLabels,
        _ => throw new ArgumentException($"No set of hostile strings is called '{name}' (universal, identifier, text).", nameof(name)),
    };

    /// <summary>Labels of every hostile value for any field.</summary>
    public static TheoryData<string> UniversalCases => ToTheoryData(Universal.Keys);

    /// <summary>Labels of every value that is not a plain identifier.</summary>
    public static TheoryData<string> IdentifierCases => ToTheoryData(Universal.Keys.Concat(IdentifierOnly.Keys));

    /// <summary>Labels of every value a free-text field refuses.</summary>
    public static TheoryData<string> TextCases => ToTheoryData(TextLabels);

    private static TheoryData<string> ToTheoryData(IEnumerable<string> labels)
    {
        var data = new TheoryData<string>();
        foreach (var label in labels) data.Add(label);
        return data;
    }
}
