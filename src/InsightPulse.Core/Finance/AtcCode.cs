namespace InsightPulse.Core.Finance;

/// <summary>A BIR alphanumeric tax code of expanded withholding (the tbwa databank's <c>bir_atc_code</c>) and its rate (a fraction).</summary>
public sealed record AtcCode(string Code, string Description, decimal Rate);
