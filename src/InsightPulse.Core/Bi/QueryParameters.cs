namespace InsightPulse.Core.Bi;

/// <summary>
/// The parameters of one chart statement: every value from a spec, a filter or an RLS clause is bound here and
/// the statement holds only its placeholder (<c>@p0</c>, <c>@p1</c>, …).
/// </summary>
public sealed class QueryParameters
{
    private readonly List<(string Name, object? Value)> _values = [];

    public IReadOnlyList<(string Name, object? Value)> Values => _values;

    /// <summary>Binds <paramref name="value"/> and returns its placeholder text.</summary>
    public string Bind(object? value)
    {
        var name = "p" + _values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _values.Add((name, value));
        return "@" + name;
    }
}
