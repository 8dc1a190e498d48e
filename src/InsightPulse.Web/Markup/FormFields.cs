using InsightPulse.Core.Tenants;

namespace InsightPulse.Web.Markup;

/// <summary>Form fields with their labels and validation messages, as every form of the platform shows them.</summary>
public static class FormFields
{
    /// <summary>A form field with its label and, when there is one, its validation message under it.</summary>
    public static Html Field(string name, string label, string? value, IReadOnlyList<ValidationError>? errors = null,
        string type = "text", bool required = false, string? hint = null, string? extra = null)
    {
        var error = errors?.FirstOrDefault(e => e.Field == name);
        var id = "f-" + name;
        return Html.Of($"""
            <div class="field{(error is null ? "" : " invalid")}">
              <label for="{id}">{label}</label>
              <input id="{id}" name="{name}" type="{type}" value="{value}"{Html.When(required, Html.Trusted(" required"))}{Html.When(extra is not null, Html.Trusted(" " + extra))}{Html.When(error is not null, Html.Of($" aria-invalid=\"true\" aria-describedby=\"{id}-error\""))}>
              {Html.When(hint is not null && error is null, Html.Of($"<small class=\"hint\">{hint}</small>"))}
              {Html.When(error is not null, Html.Of($"<small class=\"error\" id=\"{id}-error\">{error?.Message}</small>"))}
            </div>
            """);
    }

    /// <summary>Errors that belong to no field of the form.</summary>
    public static Html Errors(IReadOnlyList<ValidationError>? errors, params string[] fields)
    {
        var other = errors?.Where(e => !fields.Contains(e.Field)).ToList() ?? [];
        return other.Count == 0 ? Html.Empty : Html.Of($"""<div class="alert" role="alert">{other.Select(e => Html.Of($"<p>{e.Message}</p>"))}</div>""");
    }
}
