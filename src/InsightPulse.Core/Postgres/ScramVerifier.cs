using System.Security.Cryptography;
using System.Text;

namespace InsightPulse.Core.Postgres;

/// <summary>
/// The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677, as in its <c>pg_authid</c>).
/// Sending <c>PASSWORD 'SCRAM-SHA-256$…'</c> instead of the clear text means the password itself never
/// reaches the server, its logs or <c>pg_stat_activity</c>.
/// </summary>
public static class ScramVerifier
{
    public const int Iterations = 4096;

    public static string Create(string password) => Create(password, RandomNumberGenerator.GetBytes(16), Iterations);

    public static string Create(string password, byte[] salt, int iterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        if (password.Any(c => c > 0x7e || c < 0x20))
        {
            // PostgreSQL would SASLprep-normalise non-ASCII; our generated passwords are ASCII, so refuse the rest.
            throw new ArgumentException("Only printable ASCII passwords are hashed here.", nameof(password));
        }
        var salted = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
        var clientKey = HMACSHA256.HashData(salted, "Client Key"u8);
        var storedKey = SHA256.HashData(clientKey);
        var serverKey = HMACSHA256.HashData(salted, "Server Key"u8);
        return $"SCRAM-SHA-256${iterations}:{Convert.ToBase64String(salt)}${Convert.ToBase64String(storedKey)}:{Convert.ToBase64String(serverKey)}";
    }
}
