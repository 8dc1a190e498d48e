namespace InsightPulse.Core.Tenants;

/// <summary>The fixed list of industries a tenant can be in (<c>ipai_tenant.industry</c>).</summary>
public static class Industry
{
    public const string Default = "advertising";

    public static readonly IReadOnlyList<string> All = ["advertising", "retail", "finance", "manufacturing", "services", "other"];
}
