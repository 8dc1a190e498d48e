using System.Text.Json;

namespace InsightPulse.Core.Bi;

/// <summary>The BI service's JSON: snake_case as Superset's API and our templates write it; unknown members refused.</summary>
public static class BiJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
    };
}
