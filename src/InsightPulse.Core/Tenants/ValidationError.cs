namespace InsightPulse.Core.Tenants;

/// <summary>One invalid field: its column name and what is wrong with it.</summary>
public sealed record ValidationError(string Field, string Message);
