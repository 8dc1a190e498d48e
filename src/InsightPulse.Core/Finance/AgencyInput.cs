namespace InsightPulse.Core.Finance;

/// <summary>An agency's fields as entered; <see cref="FinanceValidation.Agency"/> checks and normalizes them.</summary>
public sealed record AgencyInput(string? Code, string? Name, string? Tin, string? RegisteredAddress, bool Active = true);
