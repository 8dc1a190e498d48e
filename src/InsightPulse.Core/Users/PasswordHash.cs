using Microsoft.AspNetCore.Identity;

namespace InsightPulse.Core.Users;

/// <summary>
/// How a user's password is stored in <c>res_users.password</c>: an ASP.NET Identity hash (PBKDF2, 100,000
/// iterations), never the password. Sign-in verifies against it; provisioning writes the admin's.
/// </summary>
public static class PasswordHash
{
    private static readonly PasswordHasher<string> Hasher = new();

    public static string Of(string password) => Hasher.HashPassword("admin", password);

    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword("admin", hash, password) is PasswordVerificationResult.Success;
}
