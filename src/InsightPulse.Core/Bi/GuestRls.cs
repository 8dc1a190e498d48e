using InsightPulse.Core.Bi.Security;

namespace InsightPulse.Core.Bi;

/// <summary>
/// A guest token's RLS rules as conditions of one chart's statement: each rule that names the chart's dataset, or no
/// dataset, is parsed by the clause grammar against that dataset's columns and rendered with bound parameters. A rule
/// that cannot apply (it names a column the dataset lacks) refuses the chart rather than being skipped: a
/// restriction is never silently dropped.
/// </summary>
public static class GuestRls
{
    private static readonly IReadOnlyDictionary<string, string?> NoPlaceholders = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>The conditions to add (null: none) and their normalised text, which keys the result cache.</summary>
    public static (Func<QueryParameters, IEnumerable<string>>? Render, string Key) For(IReadOnlyList<GuestTokenRlsRule> rules, Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(dataset);
        var parsed = new List<RlsExpression>();
        foreach (var rule in rules.Where(r => r.Dataset is null || r.Dataset == dataset.Id))
        {
            try
            {
                parsed.Add(RlsClause.Parse(rule.Clause, dataset.ColumnTypes));
            }
            catch (RlsClauseException e)
            {
                throw new ChartSpecException($"The guest token's RLS rule cannot apply to dataset {dataset.Name}, so its charts are refused: {e.Message}");
            }
        }
        if (parsed.Count == 0) return (null, "");
        return (parameters => parsed.Select(e => e.ToSql(parameters.Bind, NoPlaceholders)).ToList(), string.Join("\n", parsed.Select(e => e.ToString())));
    }
}
