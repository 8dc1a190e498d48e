using System.Text.RegularExpressions;
using InsightPulse.Core.Postgres;

namespace InsightPulse.Core.Tenants;

/// <summary>
/// Validation of a tenant record. The platform migration enforces the same rules with CHECK constraints, a
/// second line of defence; these give the operator a clear message first. Patterns are ASCII-only and anchored
/// with \A…\z (never ^…$, which would accept a trailing newline).
/// </summary>
public static partial class TenantRules
{
    /// <summary>A code must leave room for the <c>odoo_</c> prefix inside PostgreSQL's 63-byte identifiers.</summary>
    public const int MaxCodeLength = Sql.MaxIdentifierLength - 5;
    public const int MaxNameLength = 200;
    public const int MaxDomainLength = 253;
    public const int MaxEmailLength = 254;
    public const int MaxNotesLength = 10_000;

    /// <summary>Template databases of provisioning (<c>Provisioning.DatabaseTemplates</c>) are named with this prefix.</summary>
    public const string TemplateDatabasePrefix = "ipai_template_";

    [GeneratedRegex(@"\A[a-z][a-z0-9_]*\z", RegexOptions.CultureInvariant)]
    internal static partial Regex CodePattern();

    [GeneratedRegex(@"\A[a-z_][a-z0-9_]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaPattern();

    [GeneratedRegex(@"\A(?=.{1,253}\z)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex HostPattern();

    [GeneratedRegex(@"\A[a-z0-9][a-z0-9_-]{0,62}\z", RegexOptions.CultureInvariant)]
    private static partial Regex WorkspacePattern();

    [GeneratedRegex(@"\A[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+\z", RegexOptions.CultureInvariant)]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"\A\+?[0-9][0-9 ()-]{3,29}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"\Ahttps?://[^\s/@]+(/\S*)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    public static IReadOnlyList<ValidationError> Validate(Tenant tenant)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        var errors = new List<ValidationError>();
        void Add(string field, string message) => errors.Add(new ValidationError(field, message));

        var codeError = CodeError(tenant.Code);
        if (codeError is not null) Add("code", codeError);
        // Fields derived from a bad code (odoo_<code>, <code>) fail with it: report the cause once, not thrice.
        bool DerivedFromBadCode(string? value) => codeError is not null && (value == tenant.Code || value == Tenant.DatabasePrefix + tenant.Code);
        if (TextError(tenant.Name, MaxNameLength, required: true) is { } nameError) Add("name", nameError);
        if (tenant.Sequence < 0) Add("sequence", "must be 0 or more.");
        if (!DerivedFromBadCode(tenant.DbName) && DatabaseError(tenant.DbName) is { } dbError) Add("db_name", dbError);
        if (!DerivedFromBadCode(tenant.SupabaseSchema) && SchemaError(tenant.SupabaseSchema, tenant.Code) is { } schemaError) Add("supabase_schema", schemaError);
        if (tenant.PrimaryDomain is not null && DomainError(tenant.PrimaryDomain) is { } domainError) Add("primary_domain", domainError);
        if (tenant.SupersetWorkspace is not null && !DerivedFromBadCode(tenant.SupersetWorkspace) && !WorkspacePattern().IsMatch(tenant.SupersetWorkspace))
        {
            Add("superset_workspace", $"'{Sql.Printable(tenant.SupersetWorkspace)}' is not a workspace name: lower-case letters, digits, '_' and '-', at most 63, starting with a letter or digit.");
        }
        if (tenant.SupersetBaseUrl is not null && UrlError(tenant.SupersetBaseUrl) is { } urlError) Add("superset_base_url", urlError);
        if (tenant.CompanyName is not null && TextError(tenant.CompanyName, MaxNameLength, required: true) is { } companyError) Add("company_name", companyError);
        if (!Industry.All.Contains(tenant.Industry))
        {
            Add("industry", $"'{Sql.Printable(tenant.Industry)}' is not an industry: use one of {string.Join(", ", Industry.All)}.");
        }
        if (!CountryCodes.All.Contains(tenant.Country))
        {
            Add("country", $"'{Sql.Printable(tenant.Country)}' is not an ISO 3166-1 alpha-2 country code (e.g. PH, US, SG).");
        }
        if (tenant.AdminEmail is not null && (tenant.AdminEmail.Length > MaxEmailLength || !EmailPattern().IsMatch(tenant.AdminEmail)))
        {
            Add("admin_email", $"'{Sql.Printable(tenant.AdminEmail)}' is not an e-mail address (name@example.com, lower-case domain).");
        }
        if (tenant.AdminPhone is not null && !PhonePattern().IsMatch(tenant.AdminPhone))
        {
            Add("admin_phone", $"'{Sql.Printable(tenant.AdminPhone)}' is not a phone number (digits, spaces, ( ) -, optional leading +).");
        }
        if (tenant.Notes is not null && TextError(tenant.Notes, MaxNotesLength, required: false, allowLineBreaks: true) is { } notesError) Add("notes", notesError);
        return errors;
    }

    public static void EnsureValid(Tenant tenant)
    {
        var errors = Validate(tenant);
        if (errors.Count > 0) throw new TenantValidationException(errors);
    }

    public static string? CodeError(string? code)
    {
        if (string.IsNullOrEmpty(code)) return "is required: lower-case letters, digits and '_', starting with a letter (e.g. tbwa).";
        if (code.Length > MaxCodeLength) return $"is {code.Length} characters long; at most {MaxCodeLength} (the database name odoo_<code> must fit in 63).";
        if (!CodePattern().IsMatch(code)) return $"'{Sql.Printable(code)}' is not a tenant code: use lower-case ASCII letters, digits and '_', starting with a letter (e.g. tbwa, nextgen_agency).";
        if (ReservedNames.IsReserved(code)) return $"'{code}' is a reserved name (PostgreSQL, Supabase or SQL key word): choose another code.";
        return null;
    }

    public static string? SchemaError(string? schema, string? code)
    {
        if (string.IsNullOrEmpty(schema)) return "is required.";
        if (schema.Length > Sql.MaxIdentifierLength) return $"is {schema.Length} characters long; at most {Sql.MaxIdentifierLength}.";
        if (!SchemaPattern().IsMatch(schema)) return $"'{Sql.Printable(schema)}' is not a schema name: lower-case ASCII letters, digits and '_', not starting with a digit.";
        if (schema == "public") return code == Tenant.PlatformCode ? null : "'public' belongs to the platform tenant: give this tenant a schema of its own (default: its code).";
        if (ReservedNames.IsReserved(schema)) return $"'{schema}' is a reserved name (PostgreSQL, Supabase or SQL key word): choose another schema.";
        return null;
    }

    public static string? DatabaseError(string? database)
    {
        if (string.IsNullOrEmpty(database)) return "is required (default: odoo_<code>).";
        if (database.Length > Sql.MaxIdentifierLength) return $"is {database.Length} characters long; at most {Sql.MaxIdentifierLength}.";
        if (!SchemaPattern().IsMatch(database)) return $"'{Sql.Printable(database)}' is not a database name: lower-case ASCII letters, digits and '_', not starting with a digit.";
        if (ReservedNames.IsReserved(database)) return $"'{database}' is a reserved name: choose another database (default: odoo_<code>).";
        if (database.StartsWith(TemplateDatabasePrefix, StringComparison.Ordinal)) return $"'{database}' is named like the platform's template databases ({TemplateDatabasePrefix}…): choose another database (default: odoo_<code>).";
        return null;
    }

    /// <summary>
    /// Why <paramref name="domain"/> cannot be a host name (the shape of CHECK ipai_tenant_primary_domain_format), or
    /// null when it can: dot-separated labels of 1 to 63 lower-case letters, digits and '-', not starting or ending
    /// with '-'. A tenant code may hold '_', a host label never (<see cref="TenantHosts"/> writes it '-').
    /// </summary>
    public static string? DomainError(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        if (domain.Length > MaxDomainLength) return $"is {domain.Length} characters long; a host name has at most {MaxDomainLength}.";
        if (HostPattern().IsMatch(domain)) return null;
        const string Example = "(e.g. tbwa.erp.insightpulseai.com)";
        var shown = Sql.Printable(domain);
        if (domain.IndexOfAny([':', '/', '@', '?', '#']) >= 0) return $"'{shown}' is not a host name: give the name alone, no scheme, port or path {Example}.";
        if (domain.Any(char.IsAsciiLetterUpper)) return $"'{shown}' is not a lower-case host name: write it in lower case {Example}.";
        if (domain.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.')))
        {
            return $"'{shown}' is not a host name: a label may hold letters, digits and '-' only{(domain.Contains('_', StringComparison.Ordinal) ? ", never '_' (write it '-')" : "")} {Example}.";
        }
        return $"'{shown}' is not a host name: labels are separated by single dots, hold 1 to 63 characters and neither start nor end with '-' {Example}.";
    }

    /// <summary>
    /// The same shape as CHECK ipai_tenant_superset_base_url_format, plus System.Uri's parse. The refused URL is
    /// never echoed: it may carry a password.
    /// </summary>
    private static string? UrlError(string url)
    {
        const string Example = "(e.g. https://superset.insightpulseai.com)";
        if (url.Length > 2000) return $"is {url.Length} characters long; at most 2000.";
        if (TextRules.Problem(url) is { } problem) return $"{problem} {Example}";
        if (UrlHostPart(url).Contains('@', StringComparison.Ordinal)) return $"must not contain credentials (user:password@): keep secrets in the environment {Example}.";
        if (!UrlPattern().IsMatch(url) || !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            return $"is not a lower-case http:// or https:// URL with a host and no spaces {Example}.";
        }
        return null;
    }

    private static string UrlHostPart(string url)
    {
        var start = url.IndexOf("://", StringComparison.Ordinal);
        var rest = start < 0 ? url : url[(start + 3)..];
        var end = rest.IndexOfAny(['/', '\\', '?', '#']);
        return end < 0 ? rest : rest[..end];
    }

    private static string? TextError(string? text, int max, bool required, bool allowLineBreaks = false)
    {
        if (string.IsNullOrWhiteSpace(text)) return required || text is { Length: > 0 } ? "must not be empty or blank." : null;
        if (text.Length > max) return $"is {text.Length} characters long; at most {max}.";
        if (text != text.Trim()) return "must not start or end with spaces.";
        return TextRules.Problem(text, allowLineBreaks);
    }
}
