namespace InsightPulse.Core.Finance;

/// <summary>
/// An expense line's fields as entered. <see cref="RatePercent"/> is in percent (2 = 2 %); left empty with an ATC
/// code, the code's rate from the tenant's BIR ATC table is used when there is one.
/// </summary>
public sealed record ExpenseLineForm(string? LineDate, string? Description, string? VendorName, string? VendorTin, string? Category,
    string? Gross, string? Vat, string? AtcCode, string? RatePercent);
