namespace InsightPulse.Core.Tests.Bi;

/// <summary>A bind function for <c>ToSql</c> as a data layer would write one: each value becomes @p0, @p1, … in order.</summary>
public sealed class SqlBinder
{
    public List<object?> Values { get; } = [];

    public string Bind(object? value)
    {
        Values.Add(value);
        return "@p" + (Values.Count - 1);
    }
}
