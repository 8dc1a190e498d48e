using System.Globalization;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Markup;

namespace InsightPulse.Web.Finance;

/// <summary>Markup the finance pages share: money, dates, selects, state badges, budget bars, delete buttons.</summary>
internal static class FinanceMarkup
{
    /// <summary>An amount with its currency: ₱1,234.50 for pesos, USD 1,234.50 otherwise.</summary>
    public static string Money(decimal amount, string currency = "PHP")
    {
        var symbol = currency == "PHP" ? "₱" : currency + " ";
        var text = Math.Abs(amount).ToString("N2", CultureInfo.InvariantCulture);
        return amount < 0 ? "-" + symbol + text : symbol + text;
    }

    public static string Date(DateOnly? date) => date?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "";

    public static string Month(DateOnly date) => date.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>A rate as a percentage without trailing zeros (0.02 → "2").</summary>
    public static string Percent(decimal rate) => (rate * 100).ToString("0.##", CultureInfo.InvariantCulture);

    public static Html Badge(string state) => Html.Of($"<span class=\"badge {state}\" data-testid=\"state\">{state}</span>");

    /// <summary>Budget used, drawn with a native progress bar (no inline style: the CSP forbids it).</summary>
    public static Html Used(decimal? percent)
    {
        if (percent is not { } value) return Html.Of($"<span class=\"muted\">no budget</span>");
        var shown = Math.Min(value, 100m).ToString("0.##", CultureInfo.InvariantCulture);
        return Html.Of($"""
            <progress max="100" value="{shown}" aria-label="Budget used">{value}%</progress>
            <span{Html.When(value > 100, Html.Trusted(" class=\"badge over\""))}>{value.ToString("0.##", CultureInfo.InvariantCulture)}%</span>
            """);
    }

    /// <summary>A select with its label and validation message, like <c>Layout.Field</c>.</summary>
    public static Html Select(string name, string label, IEnumerable<(string Value, string Text)> options, string? selected,
        IReadOnlyList<ValidationError>? errors, string? empty = null, string? hint = null)
    {
        var error = errors?.FirstOrDefault(e => e.Field == name);
        var id = "f-" + name;
        var items = new List<Html>();
        if (empty is not null) items.Add(Html.Of($"<option value=\"\">{empty}</option>"));
        items.AddRange(options.Select(o => Html.Of($"<option value=\"{o.Value}\"{Html.When(o.Value == selected, Html.Trusted(" selected"))}>{o.Text}</option>")));
        return Html.Of($"""
            <div class="field{(error is null ? "" : " invalid")}">
              <label for="{id}">{label}</label>
              <select id="{id}" name="{name}"{Html.When(error is not null, Html.Of($" aria-invalid=\"true\" aria-describedby=\"{id}-error\""))}>{items}</select>
              {Html.When(hint is not null && error is null, Html.Of($"<small class=\"hint\">{hint}</small>"))}
              {Html.When(error is not null, Html.Of($"<small class=\"error\" id=\"{id}-error\">{error?.Message}</small>"))}
            </div>
            """);
    }

    /// <summary>A POST form with one button (no script, no confirm dialog); <paramref name="fields"/> are hidden inputs.</summary>
    public static Html PostButton(Pages.PageContext page, string action, string text, string testId, string css = "danger", params (string Name, string Value)[] fields) =>
        Html.Of($"""
            <form method="post" action="{action}" class="inline">{page.FormToken()}{fields.Select(f => Html.Of($"<input type=\"hidden\" name=\"{f.Name}\" value=\"{f.Value}\">"))}<button type="submit" class="{css}" data-testid="{testId}">{text}</button></form>
            """);

    public static Html Alert(string? message) =>
        Html.When(message is not null, Html.Of($"<div class=\"alert\" role=\"alert\" data-testid=\"alert\"><p>{message}</p></div>"));

    public static Html Notice(string? message) =>
        Html.When(message is not null, Html.Of($"<div class=\"notice\" role=\"status\" data-testid=\"notice\">{message}</div>"));
}
