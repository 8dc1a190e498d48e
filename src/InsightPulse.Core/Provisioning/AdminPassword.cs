using InsightPulse.Core.Local;
using Microsoft.AspNetCore.Identity;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// A tenant administrator's password: <c>ODOO_ADMIN_PASSWORD</c> when set (as the seed's script took it), else a
/// generated one kept in <c>.ipai/secrets/&lt;code&gt;.admin</c> (0600). Stored only as an ASP.NET Identity hash.
/// </summary>
public sealed class AdminPassword(SecretStore secrets, string? fromEnvironment)
{
    private static readonly PasswordHasher<string> Hasher = new();

    public static string SecretName(string tenantCode) => tenantCode + ".admin";

    /// <summary>The password and where it comes from (a description, never the value).</summary>
    public (string Password, string Source) For(string tenantCode)
    {
        if (!string.IsNullOrEmpty(fromEnvironment)) return (fromEnvironment, "ODOO_ADMIN_PASSWORD");
        var (password, _) = secrets.GetOrCreate(SecretName(tenantCode));
        return (password, Path.Combine(secrets.Directory, SecretName(tenantCode)));
    }

    public static string Hash(string password) => Hasher.HashPassword("admin", password);

    /// <summary>
    /// The password, its source and its hash, hashed on a worker thread: a fresh tenant's run starts this first
    /// and its I/O steps overlap the deliberately slow hash (PBKDF2, 100,000 iterations).
    /// </summary>
    public Task<(string Password, string Source, string Hash)> HashAheadAsync(string tenantCode)
    {
        var (password, source) = For(tenantCode);
        return Task.Run(() => (password, source, Hash(password)));
    }

    /// <summary>Forgets a generated password (the tenant's record is gone).</summary>
    public void Forget(string tenantCode)
    {
        if (secrets.Exists(SecretName(tenantCode))) secrets.Delete(SecretName(tenantCode));
    }

    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword("admin", hash, password) is PasswordVerificationResult.Success;
}
