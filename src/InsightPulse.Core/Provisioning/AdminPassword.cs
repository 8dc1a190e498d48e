using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Users;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// A tenant administrator's password: <c>ODOO_ADMIN_PASSWORD</c> when set (as the seed's script took it), else a
/// generated one kept in <c>.ipai/secrets/&lt;code&gt;.admin</c> (0600). Stored only as a <see cref="PasswordHash"/>.
/// </summary>
public sealed class AdminPassword(SecretStore secrets, string? fromEnvironment)
{
    public static string SecretName(string tenantCode) => tenantCode + ".admin";

    /// <summary>The password and where it comes from (a description, never the value).</summary>
    public (string Password, string Source) For(string tenantCode)
    {
        if (!string.IsNullOrEmpty(fromEnvironment)) return (fromEnvironment, "ODOO_ADMIN_PASSWORD");
        var (password, _) = secrets.GetOrCreate(SecretName(tenantCode));
        return (password, Path.Combine(secrets.Directory, SecretName(tenantCode)));
    }

    /// <summary>
    /// The password, its source and its hash, hashed on a worker thread: a fresh tenant's run starts this first
    /// and its I/O steps overlap the deliberately slow hash (PBKDF2, 100,000 iterations).
    /// </summary>
    public Task<(string Password, string Source, string Hash)> HashAheadAsync(string tenantCode)
    {
        var (password, source) = For(tenantCode);
        return Task.Run(() => (password, source, PasswordHash.Of(password)));
    }

    /// <summary>Forgets a generated password (the tenant's record is gone).</summary>
    public void Forget(string tenantCode)
    {
        if (secrets.Exists(SecretName(tenantCode))) secrets.Delete(SecretName(tenantCode));
    }
}
