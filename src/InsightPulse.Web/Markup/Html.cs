using System.Text;

namespace InsightPulse.Web.Markup;

/// <summary>
/// A piece of HTML that is safe to send. Built with <see cref="Of"/> from an interpolated string: the literal parts
/// are markup, every hole is HTML-encoded unless it is itself <see cref="Html"/> (or a sequence of it). So a value
/// from a user or the database can never become markup by mistake.
/// </summary>
public readonly struct Html : IEquatable<Html>
{
    private readonly string? _value;

    private Html(string value) => _value = value;

    public static Html Empty => default;

    public string Value => _value ?? "";

    /// <summary>Markup from an interpolated string; holes are encoded (see <see cref="HtmlInterpolation"/>).</summary>
    public static Html Of(HtmlInterpolation markup) => new(markup.Build());

    /// <summary>Markup written in code (never text from a user or the database).</summary>
    public static Html Trusted(string markup) => new(markup);

    public static Html Join(IEnumerable<Html> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var builder = new StringBuilder();
        foreach (var part in parts) builder.Append(part.Value);
        return new Html(builder.ToString());
    }

    /// <summary><paramref name="markup"/> when <paramref name="condition"/> holds, else nothing.</summary>
    public static Html When(bool condition, Html markup) => condition ? markup : Empty;

    public override string ToString() => Value;
    public bool Equals(Html other) => Value == other.Value;
    public override bool Equals(object? obj) => obj is Html other && Equals(other);
    public override int GetHashCode() => Value.GetHashCode(StringComparison.Ordinal);
    public static bool operator ==(Html left, Html right) => left.Equals(right);
    public static bool operator !=(Html left, Html right) => !left.Equals(right);
}
