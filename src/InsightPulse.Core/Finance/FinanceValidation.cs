using System.Globalization;
using System.Text.RegularExpressions;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Finance;

/// <summary>
/// The finance module's rules, mirroring the CHECK constraints of <c>ipai_finance_ppm</c> so that a form shows what
/// is wrong next to the field instead of failing in the database. Pure: no I/O.
/// </summary>
public static partial class FinanceValidation
{
    /// <summary>The largest amount numeric(14,2) holds.</summary>
    public const decimal MaxAmount = 999_999_999_999.99m;

    /// <summary>The largest withholding rate the table accepts, as a fraction.</summary>
    public const decimal MaxRate = 0.35m;

    /// <summary>
    /// BIR expanded withholding on the amount net of VAT, rounded to the centavo half away from zero: exactly the
    /// CHECK <c>withholding_amount = round((gross_amount - vat_amount) * withholding_rate, 2)</c> (PostgreSQL's
    /// numeric round also rounds half away from zero).
    /// </summary>
    public static decimal Withholding(decimal gross, decimal vat, decimal rate) =>
        Math.Round((gross - vat) * rate, 2, MidpointRounding.AwayFromZero);

    public static List<ValidationError> Agency(AgencyInput input, out AgencyInput normalized)
    {
        ArgumentNullException.ThrowIfNull(input);
        var errors = new List<ValidationError>();
        var code = Trim(input.Code);
        var name = Trim(input.Name);
        var tin = Trim(input.Tin);
        var address = Trim(input.RegisteredAddress);
        if (code is null || code.Length > 32 || !CodePattern().IsMatch(code))
            errors.Add(new("code", "A code is 1 to 32 letters, digits, '_', '.' or '-', starting with a letter or digit (e.g. TBWA-MNL)."));
        if (name is null || name.Length > 200) errors.Add(new("name", "A name is 1 to 200 characters."));
        Text(name, "name", "A name", errors);
        if (tin is null || !TinPattern().IsMatch(tin))
            errors.Add(new("tin", "A TIN is 000-000-000, optionally with the branch code: 000-000-000-000 (3 to 5 digits)."));
        if (address is { Length: > 500 }) errors.Add(new("registered_address", "An address is at most 500 characters."));
        Text(address, "registered_address", "An address", errors, allowLineBreaks: true);
        normalized = new AgencyInput(code, name, tin, address, input.Active);
        return errors;
    }

    public static List<ValidationError> Project(ProjectForm form, out ProjectInput? input)
    {
        ArgumentNullException.ThrowIfNull(form);
        var errors = new List<ValidationError>();
        var agencyId = ParseId(form.AgencyId);
        if (agencyId is null) errors.Add(new("agency_id", "Choose the project's agency."));
        var code = Trim(form.Code);
        if (code is null || code.Length > 64 || !CodePattern().IsMatch(code))
            errors.Add(new("code", "A code is 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit (e.g. P-2025-001)."));
        var name = Trim(form.Name);
        if (name is null || name.Length > 200) errors.Add(new("name", "A name is 1 to 200 characters."));
        Text(name, "name", "A name", errors);
        var client = Trim(form.ClientName);
        if (client is { Length: > 200 }) errors.Add(new("client_name", "A client name is at most 200 characters."));
        Text(client, "client_name", "A client name", errors);
        var budget = Trim(form.Budget) is null ? 0m : Amount(form.Budget, "budget_amount", "The budget", allowZero: true, errors);
        var currency = Trim(form.Currency)?.ToUpperInvariant() ?? "PHP";
        if (!CurrencyPattern().IsMatch(currency)) errors.Add(new("currency", "A currency is a three-letter ISO code (e.g. PHP)."));
        var start = OptionalDate(form.StartDate, "start_date", errors);
        var end = OptionalDate(form.EndDate, "end_date", errors);
        if (start is not null && end is not null && end < start) errors.Add(new("end_date", "The end date is on or after the start date."));
        var state = Trim(form.State) ?? "draft";
        if (!ProjectStates.All.Contains(state)) errors.Add(new("state", "A project is draft, active or closed."));
        input = errors.Count == 0 ? new ProjectInput(agencyId!.Value, code!, name!, client, budget!.Value, currency, start, end, state) : null;
        return errors;
    }

    public static List<ValidationError> Report(ExpenseReportForm form, DateTime today, out ExpenseReportInput? input)
    {
        ArgumentNullException.ThrowIfNull(form);
        var errors = new List<ValidationError>();
        var projectId = ParseId(form.ProjectId);
        if (projectId is null) errors.Add(new("project_id", "Choose the report's project."));
        var employee = Trim(form.EmployeeName);
        if (employee is null || employee.Length > 200) errors.Add(new("employee_name", "An employee name is 1 to 200 characters."));
        Text(employee, "employee_name", "An employee name", errors);
        var reportDate = Trim(form.ReportDate) is null ? today.Date : OptionalDate(form.ReportDate, "report_date", errors);
        var period = Period(form.Period, errors);
        var notes = Trim(form.Notes);
        if (notes is { Length: > 2000 }) errors.Add(new("notes", "Notes are at most 2000 characters."));
        Text(notes, "notes", "Notes", errors, allowLineBreaks: true);
        input = errors.Count == 0 ? new ExpenseReportInput(projectId!.Value, employee!, reportDate!.Value, period!.Value, notes) : null;
        return errors;
    }

    /// <summary>
    /// Checks an expense line. <paramref name="atcRates"/> is the tenant's ATC table (code → rate as a fraction) when
    /// it has one: the code must then be in it, and an empty rate takes the code's rate.
    /// </summary>
    public static List<ValidationError> Line(ExpenseLineForm form, IReadOnlyDictionary<string, decimal>? atcRates, out ExpenseLineInput? input)
    {
        ArgumentNullException.ThrowIfNull(form);
        var errors = new List<ValidationError>();
        DateTime? date = null;
        if (Trim(form.LineDate) is null) errors.Add(new("line_date", "The date of the expense is required."));
        else date = OptionalDate(form.LineDate, "line_date", errors);
        var description = Trim(form.Description);
        if (description is null || description.Length > 500) errors.Add(new("description", "A description is 1 to 500 characters."));
        Text(description, "description", "A description", errors);
        var vendor = Trim(form.VendorName);
        if (vendor is { Length: > 200 }) errors.Add(new("vendor_name", "A vendor name is at most 200 characters."));
        Text(vendor, "vendor_name", "A vendor name", errors);
        var vendorTin = Trim(form.VendorTin);
        if (vendorTin is not null && !TinPattern().IsMatch(vendorTin))
            errors.Add(new("vendor_tin", "A TIN is 000-000-000, optionally with the branch code: 000-000-000-000 (3 to 5 digits)."));
        var category = Trim(form.Category) ?? "other";
        if (!ExpenseCategories.IsKnown(category)) errors.Add(new("category", "Choose a category from the list."));
        var gross = Trim(form.Gross) is null ? Missing("gross_amount", "The gross amount is required.", errors) : Amount(form.Gross, "gross_amount", "The gross amount", allowZero: false, errors);
        var vat = Trim(form.Vat) is null ? 0m : Amount(form.Vat, "vat_amount", "The VAT", allowZero: true, errors);
        if (gross is not null && vat is not null && vat > gross) errors.Add(new("vat_amount", "The VAT cannot be more than the gross amount."));
        var atc = Trim(form.AtcCode)?.ToUpperInvariant();
        if (atc is not null && !AtcPattern().IsMatch(atc)) errors.Add(new("atc_code", "An ATC code is W, a letter and three digits (e.g. WC158)."));
        else if (atc is not null && atcRates is not null && !atcRates.ContainsKey(atc)) errors.Add(new("atc_code", $"{atc} is not in this tenant's BIR ATC list."));
        var rate = Rate(form.RatePercent, atc, atcRates, errors);
        if (rate > 0 && atc is null) errors.Add(new("atc_code", "Withholding needs its ATC code (the line goes on the payee's BIR Form 2307 under it)."));
        input = errors.Count == 0
            ? new ExpenseLineInput(date!.Value, description!, vendor, vendorTin, category, gross!.Value, vat!.Value, atc, rate!.Value)
            : null;
        return errors;
    }

    /// <summary>A month as the first day of it: <c>yyyy-MM</c>, or <c>yyyy-MM-dd</c> when that is the 1st.</summary>
    public static DateTime? Period(string? value, List<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var text = Trim(value);
        if (text is not null && DateTime.TryParseExact(text, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.None, out var month)) return month;
        if (text is not null && DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            if (day.Day == 1) return day;
            errors.Add(new("period", "The period is a month: give it as 2025-06 or as its first day (2025-06-01)."));
            return null;
        }
        errors.Add(new("period", "The period is a month, e.g. 2025-06."));
        return null;
    }

    private static decimal? Rate(string? percent, string? atc, IReadOnlyDictionary<string, decimal>? atcRates, List<ValidationError> errors)
    {
        var text = Trim(percent);
        if (text is null) return atc is not null && atcRates is not null && atcRates.TryGetValue(atc, out var known) ? known : 0m;
        text = text.TrimEnd('%').TrimEnd();
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            || value < 0 || value > MaxRate * 100 || value != Math.Round(value, 2))
        {
            errors.Add(new("withholding_rate", "A withholding rate is a percentage from 0 to 35 with at most two decimals (e.g. 2 or 0.5)."));
            return null;
        }
        return value / 100;
    }

    private static decimal? Amount(string? text, string field, string what, bool allowZero, List<ValidationError> errors)
    {
        var trimmed = Trim(text)?.TrimStart('₱').Trim();
        if (!decimal.TryParse(trimmed, NumberStyles.Number, CultureInfo.InvariantCulture, out var value))
        {
            errors.Add(new(field, $"{what} is an amount in pesos, e.g. 1250.50."));
            return null;
        }
        if (value < 0 || (!allowZero && value == 0))
        {
            errors.Add(new(field, allowZero ? $"{what} cannot be negative." : $"{what} is more than zero."));
            return null;
        }
        if (value != Math.Round(value, 2) || value > MaxAmount)
        {
            errors.Add(new(field, $"{what} has at most two decimals and is below one trillion."));
            return null;
        }
        return value;
    }

    private static decimal? Missing(string field, string message, List<ValidationError> errors)
    {
        errors.Add(new(field, message));
        return null;
    }

    private static DateTime? OptionalDate(string? value, string field, List<ValidationError> errors)
    {
        var text = Trim(value);
        if (text is null) return null;
        if (DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        errors.Add(new(field, "A date is written 2025-06-30."));
        return null;
    }

    private static long? ParseId(string? value) =>
        long.TryParse(Trim(value), NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;

    private static string? Trim(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    /// <summary>Adds why free text <paramref name="value"/> cannot be stored (<see cref="TextRules"/>) as an error on <paramref name="field"/>.</summary>
    private static void Text(string? value, string field, string what, List<ValidationError> errors, bool allowLineBreaks = false)
    {
        if (value is not null && TextRules.Problem(value, allowLineBreaks) is { } problem) errors.Add(new(field, $"{what} {problem}"));
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.-]*\z")]
    private static partial Regex CodePattern();

    // [0-9], not \d: .NET's \d matches every Unicode digit, PostgreSQL's only ASCII ones.
    [GeneratedRegex(@"^[0-9]{3}-[0-9]{3}-[0-9]{3}(-[0-9]{3,5})?\z")]
    private static partial Regex TinPattern();

    [GeneratedRegex(@"^W[A-Z][0-9]{3}\z")]
    private static partial Regex AtcPattern();

    [GeneratedRegex(@"^[A-Z]{3}\z")]
    private static partial Regex CurrencyPattern();
}
