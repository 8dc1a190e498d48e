using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Unicode;

namespace InsightPulse.Web.Markup;

/// <summary>
/// Builds <see cref="Html"/> from an interpolated string: literals are copied, holes are HTML-encoded (numbers and
/// dates formatted with the invariant culture), except holes that are <see cref="Html"/> or sequences of it.
/// </summary>
[InterpolatedStringHandler]
public readonly ref struct HtmlInterpolation
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Create(UnicodeRanges.All);
    private readonly StringBuilder _builder;

    public HtmlInterpolation(int literalLength, int formattedCount) => _builder = new StringBuilder(literalLength + formattedCount * 16);

    public void AppendLiteral(string value) => _builder.Append(value);

    public void AppendFormatted<T>(T value) => AppendFormatted(value, null);

    public void AppendFormatted<T>(T value, string? format)
    {
        switch (value)
        {
            case null:
                break;
            case Html html:
                _builder.Append(html.Value);
                break;
            case IEnumerable<Html> parts:
                foreach (var part in parts) _builder.Append(part.Value);
                break;
            case IFormattable formattable:
                _builder.Append(Encoder.Encode(formattable.ToString(format, CultureInfo.InvariantCulture)));
                break;
            default:
                _builder.Append(Encoder.Encode(value.ToString() ?? ""));
                break;
        }
    }

    internal string Build() => _builder.ToString();
}
