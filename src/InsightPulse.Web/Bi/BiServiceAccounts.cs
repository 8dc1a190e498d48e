using System.Security.Cryptography;
using System.Text;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Databases;

namespace InsightPulse.Web.Bi;

/// <summary>
/// Each tenant's BI service account: the user a tenant's back end signs in as at <c>POST /api/v1/security/login</c>
/// (at the tenant's own host) to ask for guest tokens. Its password is a secret of the tenant in
/// <c>.ipai/secrets/bi_service.&lt;code&gt;</c> (mode 0600, <see cref="BiServiceAccount"/>), generated on first use; its
/// tokens only ever name that tenant's dashboards.
/// </summary>
public sealed class BiServiceAccounts(PlatformEnvironmentSource source)
{
    /// <summary>The account's password (created when missing): for the operator to hand to the tenant's back end, never logged.</summary>
    public string PasswordOf(string tenantCode) => source.Cluster.Secrets.GetOrCreate(BiServiceAccount.SecretName(tenantCode)).Value;

    /// <summary>Whether the credentials are the tenant's service account (constant time in the password).</summary>
    public bool Verify(string tenantCode, string? username, string? password)
    {
        var expected = Encoding.UTF8.GetBytes(PasswordOf(tenantCode));
        var given = Encoding.UTF8.GetBytes(password ?? "");
        var same = CryptographicOperations.FixedTimeEquals(SHA256.HashData(expected), SHA256.HashData(given));
        return same & string.Equals(username, BiServiceAccount.Username, StringComparison.Ordinal);
    }
}
