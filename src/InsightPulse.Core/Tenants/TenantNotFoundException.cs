using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Tenants;

/// <summary>The seed's own error, with its cause and fix.</summary>
public sealed class TenantNotFoundException : OperatorException
{
    public TenantNotFoundException() { }
    public TenantNotFoundException(string message, Exception inner) : base(message, inner) { }

    public TenantNotFoundException(string code)
        : base($"Tenant code not found in ipai.tenant table: '{Postgres.Sql.Printable(code)}'.\n" +
               $"Cause: no tenant record with that code in the platform database.",
               $"create it with `./ipai tenant create {SafeCode(code)} --name \"…\"` (see `./ipai tenant list`), or with the seed's SQL " +
               $"(`./ipai psql odoo_platform -c \"…\"`): INSERT INTO ipai_tenant (code, name, db_name, supabase_schema, active, create_date, write_date) " +
               $"VALUES ('{SafeCode(code)}', 'Name', 'odoo_{SafeCode(code)}', '{SafeCode(code)}', true, NOW(), NOW());", null)
    {
        Code = code;
    }

    public string Code { get; } = "";

    private static string SafeCode(string code) => TenantRules.CodePattern().IsMatch(code) ? code : "CODE";
}
