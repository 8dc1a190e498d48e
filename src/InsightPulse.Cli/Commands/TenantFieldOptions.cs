using System.CommandLine;
using System.Globalization;
using InsightPulse.Core.Tenants;

namespace InsightPulse.Cli.Commands;

/// <summary>
/// The options that set tenant fields, shared by <c>tenant create</c> and <c>tenant update</c>. Each long name
/// is the column's name with dashes; short forms (<c>--schema</c>, <c>--domain</c>, <c>--workspace</c>) are aliases.
/// Only options given on the command line change anything; an empty value clears an optional field.
/// </summary>
internal sealed class TenantFieldOptions
{
    public TenantFieldOptions(bool forCreate)
    {
        Name = new Option<string>("--name") { Description = "Display name, e.g. \"TBWA Philippines\".", Required = forCreate };
    }

    public Option<string> Name { get; }
    private readonly Option<int> _sequence = new("--sequence") { Description = "List order (default 10)." };
    private readonly Option<bool> _active = new("--active") { Description = "Whether the tenant is active (true/false)." };
    private readonly Option<string> _dbName = new("--db-name") { Description = "Tenant database (default odoo_<code>)." };
    private readonly Option<string> _schema = new("--schema", "--supabase-schema") { Description = "Schema in the shared data database (default <code>)." };
    private readonly Option<string> _domain = new("--domain", "--primary-domain") { Description = "Host name the tenant is served on, e.g. tbwa.erp.insightpulseai.com." };
    private readonly Option<string> _workspace = new("--workspace", "--superset-workspace") { Description = "BI workspace (default <code>)." };
    private readonly Option<string> _supersetBaseUrl = new("--superset-base-url") { Description = "BI base URL for this tenant." };
    private readonly Option<string> _companyName = new("--company-name", "--company") { Description = "Company name." };
    private readonly Option<string> _industry = new("--industry") { Description = $"One of {string.Join(", ", Industry.All)} (default {Industry.Default})." };
    private readonly Option<string> _country = new("--country") { Description = "ISO 3166-1 alpha-2 country code (default PH)." };
    private readonly Option<string> _adminEmail = new("--admin-email") { Description = "Administrator's e-mail." };
    private readonly Option<string> _adminPhone = new("--admin-phone") { Description = "Administrator's phone." };
    private readonly Option<DateOnly> _onboardedDate = new("--onboarded-date")
    {
        Description = "Onboarding date, yyyy-mm-dd (default today).",
        CustomParser = r => DateOnly.TryParseExact(r.Tokens.Single().Value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d)
            ? d
            : Fail(r, "--onboarded-date takes a date as yyyy-mm-dd."),
    };
    private readonly Option<string> _notes = new("--notes") { Description = "Free notes." };
    private readonly Option<string> _server = CliArguments.ServerOption(new Option<string>("--server")
    {
        Description = "Fleet server for its database (`./ipai server list`); unset: the least loaded active server when it is first provisioned. Fixed once provisioning started (`tenant move` then).",
    });

    private IEnumerable<Option> All => [Name, _sequence, _active, _dbName, _schema, _domain, _workspace, _supersetBaseUrl,
        _companyName, _industry, _country, _adminEmail, _adminPhone, _onboardedDate, _notes, _server];

    public void AddTo(Command command)
    {
        foreach (var option in All) command.Options.Add(option);
    }

    public bool AnyGiven(ParseResult parse) => All.Any(o => Given(parse, o));

    /// <summary>The options typed, as names without dashes (<c>--admin-email</c> → <c>admin_email</c>): what an audit row of an update says changed.</summary>
    public IReadOnlyList<string> GivenNames(ParseResult parse) =>
        [.. All.Where(o => Given(parse, o)).Select(o => o.Name.TrimStart('-').Replace('-', '_'))];

    /// <summary>Typed on the command line (an option's default value does not count).</summary>
    private static bool Given(ParseResult parse, Option option) => parse.GetResult(option) is { Implicit: false };

    public Tenant Apply(ParseResult parse, Tenant tenant)
    {
        string? Optional(Option<string> option) => parse.GetValue(option) is { Length: > 0 } value ? value : null;

        if (Given(parse, Name)) tenant = tenant with { Name = parse.GetValue(Name) ?? "" };
        if (Given(parse, _sequence)) tenant = tenant with { Sequence = parse.GetValue(_sequence) };
        if (Given(parse, _active)) tenant = tenant with { Active = parse.GetValue(_active) };
        if (Given(parse, _dbName)) tenant = tenant with { DbName = parse.GetValue(_dbName) ?? "" };
        if (Given(parse, _schema)) tenant = tenant with { SupabaseSchema = parse.GetValue(_schema) ?? "" };
        if (Given(parse, _domain)) tenant = tenant with { PrimaryDomain = Optional(_domain) };
        if (Given(parse, _workspace)) tenant = tenant with { SupersetWorkspace = Optional(_workspace) };
        if (Given(parse, _supersetBaseUrl)) tenant = tenant with { SupersetBaseUrl = Optional(_supersetBaseUrl) };
        if (Given(parse, _companyName)) tenant = tenant with { CompanyName = Optional(_companyName) };
        if (Given(parse, _industry)) tenant = tenant with { Industry = parse.GetValue(_industry) ?? "" };
        // Country codes are upper case by definition; accept "ph" as a convenience (ASCII only: "ı" must not become "I").
        if (Given(parse, _country)) tenant = tenant with { Country = new string((parse.GetValue(_country) ?? "").Select(c => char.IsAsciiLetterLower(c) ? char.ToUpperInvariant(c) : c).ToArray()) };
        if (Given(parse, _adminEmail)) tenant = tenant with { AdminEmail = Optional(_adminEmail) };
        if (Given(parse, _adminPhone)) tenant = tenant with { AdminPhone = Optional(_adminPhone) };
        if (Given(parse, _onboardedDate)) tenant = tenant with { OnboardedDate = parse.GetValue(_onboardedDate) };
        if (Given(parse, _notes)) tenant = tenant with { Notes = Optional(_notes) };
        if (Given(parse, _server)) tenant = tenant with { Server = Optional(_server) };
        return tenant;
    }

    private static DateOnly Fail(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }
}
