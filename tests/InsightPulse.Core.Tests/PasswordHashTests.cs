using InsightPulse.Core.Users;

namespace InsightPulse.Core.Tests;

public sealed class PasswordHashTests
{
    private const string Secret = "k1Lw9oQbZs0v3Yc8RtUe5xNa"; // 24 characters, as a generated secret is at least

    [Fact]
    public void A_generated_secrets_hash_matches_it_and_nothing_else()
    {
        var hash = PasswordHash.OfGeneratedSecret(Secret);
        Assert.True(PasswordHash.Verify(hash, Secret));
        Assert.False(PasswordHash.Verify(hash, Secret[..^1] + "X"));
    }

    [Fact]
    public void A_generated_secrets_hash_has_the_same_format_with_fewer_iterations()
    {
        // ASP.NET Identity v3: 0x01, PRF (4 bytes), iteration count (4 bytes, big-endian), …
        static int Iterations(string hash)
        {
            var bytes = Convert.FromBase64String(hash);
            Assert.Equal(0x01, bytes[0]);
            return (bytes[5] << 24) | (bytes[6] << 16) | (bytes[7] << 8) | bytes[8];
        }
        Assert.Equal(PasswordHash.GeneratedSecretIterations, Iterations(PasswordHash.OfGeneratedSecret(Secret)));
        Assert.Equal(100_000, Iterations(PasswordHash.Of("a person's Pa55word")));
    }

    [Fact]
    public void A_short_secret_is_refused_as_not_generated()
    {
        var refused = Assert.Throws<ArgumentException>(() => PasswordHash.OfGeneratedSecret("Pa55word!"));
        Assert.Contains(nameof(PasswordHash.Of), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_persons_password_hash_matches_it_and_nothing_else()
    {
        var hash = PasswordHash.Of("a person's Pa55word");
        Assert.True(PasswordHash.Verify(hash, "a person's Pa55word"));
        Assert.False(PasswordHash.Verify(hash, "a person's Pa55word "));
    }
}
