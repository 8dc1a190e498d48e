namespace InsightPulse.Core.Finance;

/// <summary>An expense line's fields, parsed and valid; the withholding is computed from them as the table's CHECK does.</summary>
public sealed record ExpenseLineInput(DateTime LineDate, string Description, string? VendorName, string? VendorTin, string Category,
    decimal GrossAmount, decimal VatAmount, string? AtcCode, decimal WithholdingRate)
{
    public decimal WithholdingAmount => FinanceValidation.Withholding(GrossAmount, VatAmount, WithholdingRate);
    public decimal NetAmount => GrossAmount - WithholdingAmount;
}
