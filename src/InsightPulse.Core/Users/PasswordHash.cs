using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace InsightPulse.Core.Users;

/// <summary>
/// How a user's password is stored in <c>res_users.password</c>: an ASP.NET Identity hash (PBKDF2, 100,000
/// iterations), never the password. Sign-in verifies against it; provisioning writes the admin's.
/// </summary>
public static class PasswordHash
{
    private static readonly PasswordHasher<string> Hasher = new();

    /// <summary>Iterations for a generated secret (<see cref="OfGeneratedSecret"/>).</summary>
    public const int GeneratedSecretIterations = 1_000;

    /// <summary>The shortest secret <see cref="OfGeneratedSecret"/> takes: 24 characters of base64 are 144 random bits.</summary>
    public const int GeneratedSecretMinimumLength = 24;

    private static readonly PasswordHasher<string> GeneratedSecretHasher =
        new(Options.Create(new PasswordHasherOptions { IterationCount = GeneratedSecretIterations }));

    public static string Of(string password) => Hasher.HashPassword("admin", password);

    /// <summary>
    /// The hash of a secret this platform generated from at least 144 random bits and that no person chose or types
    /// (the verification gate's one-time user). Iterations make guessing a person's password slow; no count makes a
    /// 144-bit random secret guessable, so this one is cheap (1 ms instead of about 70), in the same format.
    /// </summary>
    public static string OfGeneratedSecret(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < GeneratedSecretMinimumLength)
        {
            throw new ArgumentException($"A generated secret has at least {GeneratedSecretMinimumLength} characters; a password someone chose goes through {nameof(Of)}.", nameof(secret));
        }
        return GeneratedSecretHasher.HashPassword("admin", secret);
    }

    /// <summary>
    /// Whether <paramref name="password"/> matches: a hash made with fewer iterations than today's (an older one, or a
    /// generated secret's) matches too, as ASP.NET Identity's sign-in accepts it.
    /// </summary>
    public static bool Verify(string hash, string password) =>
        Hasher.VerifyHashedPassword("admin", hash, password) is PasswordVerificationResult.Success or PasswordVerificationResult.SuccessRehashNeeded;
}
