using System.Text.Json.Serialization;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// One entry of the <c>resources</c> claim: what the token opens. Superset knows one type, <c>dashboard</c>, whose
/// <c>id</c> is the embedded dashboard's uuid (or, for old tokens, the dashboard's id) written as a string.
/// </summary>
public sealed record GuestTokenResource(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("id")] string Id)
{
    /// <summary>The only resource type Superset issues guest tokens for.</summary>
    public const string DashboardType = "dashboard";

    /// <summary>A dashboard resource, the usual case.</summary>
    public static GuestTokenResource Dashboard(string id) => new(DashboardType, id);
}
