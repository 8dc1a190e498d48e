using InsightPulse.Web.Markup;

namespace InsightPulse.Web.Tests;

/// <summary>Every hole of an <see cref="Html"/> template is encoded unless it is markup built the same way.</summary>
public sealed class HtmlTests
{
    [Fact]
    public void Text_in_a_hole_is_encoded()
    {
        var name = "<script>alert('x')</script> & \"quotes\"";
        Assert.Equal("<td>&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;</td>", Html.Of($"<td>{name}</td>").Value);
    }

    [Fact]
    public void An_attribute_value_cannot_be_closed_from_a_hole()
    {
        var value = "\" onmouseover=\"alert(1)";
        Assert.Equal("<input value=\"&quot; onmouseover=&quot;alert(1)\">", Html.Of($"<input value=\"{value}\">").Value);
    }

    [Fact]
    public void Markup_and_sequences_of_markup_are_kept()
    {
        var items = new List<Html> { Html.Of($"<li>{"a<b"}</li>"), Html.Of($"<li>{"c"}</li>") };
        Assert.Equal("<ul><li>a&lt;b</li><li>c</li></ul>", Html.Of($"<ul>{items}</ul>").Value);
    }

    [Fact]
    public void Numbers_and_dates_use_the_invariant_culture_and_the_given_format()
    {
        Assert.Equal("<td>1,234,567.50</td>", Html.Of($"<td>{1234567.5m:N2}</td>").Value);
        Assert.Equal("<td>2026-11-01</td>", Html.Of($"<td>{new DateOnly(2026, 11, 1):yyyy-MM-dd}</td>").Value);
    }

    [Fact]
    public void Non_ascii_text_stays_readable_and_null_is_empty()
    {
        string? none = null;
        Assert.Equal("<p>Parañaque — ₱</p>", Html.Of($"<p>{"Parañaque — ₱"}{none}</p>").Value);
        Assert.Equal("", Html.When(false, Html.Of($"<p>x</p>")).Value);
    }
}
