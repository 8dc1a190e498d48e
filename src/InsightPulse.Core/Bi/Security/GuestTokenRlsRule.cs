using System.Text.Json.Serialization;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// One entry of the <c>rls_rules</c> claim: a row filter (<see cref="Clause"/>, in the grammar of
/// <see cref="RlsClause"/>) for one dataset, or for every dataset of the dashboard when <see cref="Dataset"/> is null
/// (then left out of the token, as Superset does). Superset's type hints say the dataset is a string while its API
/// takes a number, so both are read.
/// </summary>
public sealed record GuestTokenRlsRule(
    [property: JsonPropertyName("clause")] string Clause,
    [property: JsonPropertyName("dataset"), JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)] long? Dataset = null);
