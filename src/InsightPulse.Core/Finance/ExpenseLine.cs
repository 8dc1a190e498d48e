namespace InsightPulse.Core.Finance;

/// <summary>
/// One expense of a report (<c>ppm_expense_line</c>): <see cref="WithholdingRate"/> is a fraction (0.02 = 2 %),
/// <see cref="WithholdingAmount"/> = round((gross − VAT) × rate, 2), <see cref="NetAmount"/> = gross − withholding.
/// </summary>
public sealed record ExpenseLine(long Id, long ReportId, DateOnly LineDate, string Description, string? VendorName, string? VendorTin,
    string Category, decimal GrossAmount, decimal VatAmount, string? AtcCode, decimal WithholdingRate, decimal WithholdingAmount, decimal NetAmount);
