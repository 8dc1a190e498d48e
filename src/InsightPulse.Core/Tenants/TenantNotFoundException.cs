namespace InsightPulse.Core.Tenants;

/// <summary>The seed's own error, with its cause and fix.</summary>
public sealed class TenantNotFoundException : Exception
{
    public TenantNotFoundException() { }
    public TenantNotFoundException(string message, Exception inner) : base(message, inner) { }

    public TenantNotFoundException(string code)
        : base($"Tenant code not found in ipai.tenant table: '{Postgres.Sql.Printable(code)}'.\n" +
               $"Cause: no tenant record with that code in the platform database. " +
               $"Fix: create it with `./ipai tenant create {SafeCode(code)} --name \"…\"` (see `./ipai tenant list`).")
    {
        Code = code;
    }

    public string Code { get; } = "";

    private static string SafeCode(string code) => TenantRules.CodePattern().IsMatch(code) ? code : "CODE";
}
