namespace InsightPulse.Core.Finance;

/// <summary>An agency of the tenant (a row of <c>ppm_agency</c>): a BIR-registered entity with its TIN.</summary>
public sealed record Agency(long Id, string Code, string Name, string Tin, string? RegisteredAddress, bool Active, long ProjectCount);
