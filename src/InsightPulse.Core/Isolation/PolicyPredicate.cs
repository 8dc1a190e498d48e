using System.Text.RegularExpressions;

namespace InsightPulse.Core.Isolation;

/// <summary>What a policy expression (as <c>pg_get_expr</c> prints it) does with the tenant.</summary>
public enum PolicyPredicateKind
{
    /// <summary>No expression (PostgreSQL then uses the other one, or allows everything for INSERT).</summary>
    Missing,

    /// <summary>The constant true: every tenant's rows.</summary>
    AlwaysTrue,

    /// <summary>Does not require <c>tenant_id = ipai.current_tenant_id()</c> (or requires it only on one side of an OR).</summary>
    NoTenantCheck,

    /// <summary>Requires the tenant, but calls the context function per row instead of once (<c>(SELECT …)</c>).</summary>
    TenantCheckPerRow,

    /// <summary>Requires <c>tenant_id = (SELECT ipai.current_tenant_id())</c>, possibly AND more.</summary>
    TenantCheck,
}

/// <summary>
/// Reads a policy expression as PostgreSQL deparses it (every boolean operator parenthesized) and says whether it
/// confines rows to the tenant of the transaction: the comparison must be one of the top-level AND terms; a
/// top-level OR could widen it, so it does not count.
/// </summary>
public static partial class PolicyPredicate
{
    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"\A\(?tenant_id\)?(::text)? = \( ?SELECT ipai\.current_tenant_id\(\)( AS current_tenant_id)?\)\z|\A\( ?SELECT ipai\.current_tenant_id\(\)( AS current_tenant_id)?\) = \(?tenant_id\)?(::text)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex Wrapped();

    [GeneratedRegex(@"\A\(?tenant_id\)?(::text)? = ipai\.current_tenant_id\(\)\z|\Aipai\.current_tenant_id\(\) = \(?tenant_id\)?(::text)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex PerRow();

    public static PolicyPredicateKind Classify(string? expression)
    {
        if (string.IsNullOrWhiteSpace(expression)) return PolicyPredicateKind.Missing;
        var text = StripParentheses(Spaces().Replace(expression.Trim(), " "));
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) return PolicyPredicateKind.AlwaysTrue;
        var terms = SplitTopLevel(text, out var hasTopLevelOr);
        if (hasTopLevelOr) return PolicyPredicateKind.NoTenantCheck;
        var best = PolicyPredicateKind.NoTenantCheck;
        foreach (var term in terms.Select(StripParentheses))
        {
            if (Wrapped().IsMatch(term)) return PolicyPredicateKind.TenantCheck;
            if (PerRow().IsMatch(term)) best = PolicyPredicateKind.TenantCheckPerRow;
        }
        return best;
    }

    /// <summary>Removes parentheses that enclose the whole text.</summary>
    internal static string StripParentheses(string text)
    {
        while (text.Length >= 2 && text[0] == '(' && MatchingClose(text, 0) == text.Length - 1)
        {
            text = text[1..^1].Trim();
        }
        return text;
    }

    private static int MatchingClose(string text, int open)
    {
        var depth = 0;
        var quoted = false;
        for (var i = open; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'') quoted = !quoted;
            if (quoted) continue;
            if (c == '(') depth++;
            else if (c == ')' && --depth == 0) return i;
        }
        return -1;
    }

    /// <summary>The terms joined by AND outside parentheses and quotes; reports an OR at that level.</summary>
    private static List<string> SplitTopLevel(string text, out bool hasTopLevelOr)
    {
        var terms = new List<string>();
        hasTopLevelOr = false;
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'') quoted = !quoted;
            if (quoted) continue;
            if (c == '(') depth++;
            else if (c == ')') depth--;
            else if (depth == 0 && c == ' ')
            {
                if (string.CompareOrdinal(text, i, " AND ", 0, 5) == 0)
                {
                    terms.Add(text[start..i].Trim());
                    start = i + 5;
                    i += 4;
                }
                else if (string.CompareOrdinal(text, i, " OR ", 0, 4) == 0)
                {
                    hasTopLevelOr = true;
                }
            }
        }
        terms.Add(text[start..].Trim());
        return terms;
    }
}
