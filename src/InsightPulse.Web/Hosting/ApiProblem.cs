using Microsoft.AspNetCore.WebUtilities;

namespace InsightPulse.Web.Hosting;

/// <summary>
/// A refusal of the Superset-shaped API as problem details (RFC 7807, <c>application/problem+json</c>) that Superset's
/// clients read too: the text is <c>detail</c> and, as Superset answers, <c>message</c>; <c>errors</c> names the field
/// (or JSON path) it is about, when there is one. <paramref name="extensions"/> adds members of the endpoint's own
/// (<c>broken</c> for a chart whose dataset lost a column).
/// </summary>
public static class ApiProblem
{
    public static IResult Of(int status, string message, string? field = null, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var members = new Dictionary<string, object?>(StringComparer.Ordinal) { ["message"] = message };
        if (field is not null) members["errors"] = new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [message] };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>()) members[key] = value;
        return Results.Problem(title: ReasonPhrases.GetReasonPhrase(status), detail: message, statusCode: status, extensions: members);
    }
}
