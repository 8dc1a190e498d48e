using InsightPulse.Core.Bi.Security;
using Microsoft.Extensions.Configuration;

namespace InsightPulse.Core.Tests.Bi;

public sealed class GuestTokenOptionsTests
{
    private const string StrongSecret = "test-only-4e8d2a6c0b9f7e5d3c1a8b6f4e2d0c9b7a5f3e1d";

    private static GuestTokenOptions Read(bool isDevelopment, params (string Key, string? Value)[] settings) =>
        GuestTokenOptions.FromConfiguration(
            new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, s.Value))).Build(),
            isDevelopment);

    [Fact]
    public void The_settings_are_read_at_the_configuration_root_under_Supersets_names()
    {
        var options = Read(false,
            ("GUEST_TOKEN_JWT_SECRET", StrongSecret),
            ("GUEST_TOKEN_JWT_ALGO", "HS256"),
            ("GUEST_TOKEN_JWT_EXP_SECONDS", "120"),
            ("GUEST_TOKEN_JWT_AUDIENCE", "https://bi.example.test/"),
            ("GUEST_TOKEN_HEADER_NAME", "X-Embed-Token"));

        Assert.Equal(StrongSecret, options.Secret);
        Assert.Equal("HS256", options.Algorithm);
        Assert.Equal(120, options.ExpSeconds);
        Assert.Equal("https://bi.example.test/", options.Audience);
        Assert.Equal("X-Embed-Token", options.HeaderName);
        Assert.False(options.IsDevelopment);
        Assert.Empty(options.Problems());
    }

    [Fact]
    public void The_setting_names_are_Supersets()
    {
        Assert.Equal(
            ["GUEST_TOKEN_JWT_SECRET", "GUEST_TOKEN_JWT_ALGO", "GUEST_TOKEN_JWT_EXP_SECONDS", "GUEST_TOKEN_JWT_AUDIENCE", "GUEST_TOKEN_HEADER_NAME"],
            [GuestTokenOptions.SecretSetting, GuestTokenOptions.AlgorithmSetting, GuestTokenOptions.ExpSecondsSetting, GuestTokenOptions.AudienceSetting, GuestTokenOptions.HeaderNameSetting]);
    }

    [Fact]
    public void Unset_or_empty_settings_take_Supersets_defaults()
    {
        var options = Read(true, ("GUEST_TOKEN_JWT_AUDIENCE", ""), ("GUEST_TOKEN_HEADER_NAME", ""));

        Assert.Null(options.Secret);
        Assert.Equal("HS256", options.Algorithm);
        Assert.Equal(300, options.ExpSeconds);
        Assert.Equal("http://0.0.0.0:8080/", options.Audience);
        Assert.Equal("X-GuestToken", options.HeaderName);
        Assert.True(options.IsDevelopment);
    }

    [Fact]
    public void A_section_of_the_same_name_elsewhere_is_not_read()
    {
        var options = Read(false, ("Bi:GUEST_TOKEN_JWT_SECRET", StrongSecret));

        Assert.Null(options.Secret);
    }

    [Fact]
    public void Outside_development_a_missing_secret_is_a_problem_that_says_how_to_make_one()
    {
        var problem = Assert.Single(Read(false).Problems());

        Assert.Contains("GUEST_TOKEN_JWT_SECRET is not set", problem, StringComparison.Ordinal);
        Assert.Contains("openssl rand -hex 32", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("test-guest-secret-change-me")]
    [InlineData("TEST-GUEST-SECRET-CHANGE-ME")]
    [InlineData("CHANGE_ME_TO_A_COMPLEX_RANDOM_SECRET")]
    [InlineData("tG5esXIVqp1TlnOF40zWW4zWxh7998zZy6M6aNIVCZNwSRn2T7kLfA2u")]
    [InlineData("changeme")]
    [InlineData("secret")]
    [InlineData("password")]
    [InlineData("our-production-guest-key-please-change-me-2026")]
    [InlineData("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("abcabcabcabcabcabcabcabcabcabcabcabc")]
    public void Outside_development_a_published_or_placeholder_secret_is_a_problem(string secret)
    {
        var problem = Assert.Single(new GuestTokenOptions { Secret = secret }.Problems());

        Assert.Contains("GUEST_TOKEN_JWT_SECRET is a published default or a placeholder", problem, StringComparison.Ordinal);
        Assert.Contains("openssl rand -hex 32", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Outside_development_a_secret_needs_32_bytes()
    {
        var thirtyOne = StrongSecret[..31];
        var problem = Assert.Single(new GuestTokenOptions { Secret = thirtyOne }.Problems());

        Assert.Contains("GUEST_TOKEN_JWT_SECRET is shorter than 32 bytes", problem, StringComparison.Ordinal);
        Assert.Empty(new GuestTokenOptions { Secret = StrongSecret[..32] }.Problems());
    }

    [Fact]
    public void In_development_a_missing_or_weak_secret_is_tolerated_and_missing_means_Supersets_default()
    {
        Assert.Empty(new GuestTokenOptions { IsDevelopment = true }.Problems());
        Assert.Empty(new GuestTokenOptions { IsDevelopment = true, Secret = "secret" }.Problems());
        Assert.Equal("test-guest-secret-change-me", new GuestTokenOptions { IsDevelopment = true }.EffectiveSecret());
        Assert.Equal(StrongSecret, new GuestTokenOptions { IsDevelopment = true, Secret = StrongSecret }.EffectiveSecret());
    }

    [Theory]
    [InlineData("HS512")]
    [InlineData("RS256")]
    [InlineData("none")]
    [InlineData("hs256")]
    public void Any_algorithm_but_HS256_is_a_problem_even_in_development(string algorithm)
    {
        var problem = Assert.Single(new GuestTokenOptions { Secret = StrongSecret, Algorithm = algorithm, IsDevelopment = true }.Problems());

        Assert.Contains("GUEST_TOKEN_JWT_ALGO", problem, StringComparison.Ordinal);
        Assert.Contains("only HS256 is accepted", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(86_401)]
    public void A_lifetime_outside_one_second_to_one_day_is_a_problem(int seconds)
    {
        var problem = Assert.Single(new GuestTokenOptions { Secret = StrongSecret, ExpSeconds = seconds }.Problems());

        Assert.Contains("GUEST_TOKEN_JWT_EXP_SECONDS", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("five minutes")]
    [InlineData("300.5")]
    [InlineData("-1")]
    public void A_lifetime_that_is_not_a_whole_number_is_refused_when_read(string value)
    {
        var exception = Assert.Throws<GuestTokenConfigurationException>(() => Read(false, ("GUEST_TOKEN_JWT_EXP_SECONDS", value)));

        Assert.Contains("GUEST_TOKEN_JWT_EXP_SECONDS", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("X Guest Token")]
    [InlineData("X-GuestToken:")]
    [InlineData("X-Guest\nToken")]
    public void A_header_name_that_is_not_an_HTTP_token_is_a_problem(string name)
    {
        var problem = Assert.Single(new GuestTokenOptions { Secret = StrongSecret, HeaderName = name }.Problems());

        Assert.Contains("GUEST_TOKEN_HEADER_NAME", problem, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', problem);
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var options = new GuestTokenOptions { Algorithm = "HS384", ExpSeconds = 0, Audience = "", HeaderName = "a b" };

        var exception = Assert.Throws<GuestTokenConfigurationException>(options.ThrowIfInvalid);

        Assert.Equal(5, exception.Problems.Count);
        Assert.All(exception.Problems, problem => Assert.Contains("Fix:", problem, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(StrongSecret)]
    [InlineData("secret-that-is-too-short")]
    [InlineData("test-guest-secret-change-me")]
    public void The_secret_never_appears_in_text_about_the_options(string secret)
    {
        var options = new GuestTokenOptions { Secret = secret, Algorithm = "HS512" };

        Assert.DoesNotContain(secret, options.ToString(), StringComparison.Ordinal);
        Assert.Contains("GUEST_TOKEN_JWT_SECRET = (set, hidden)", options.ToString(), StringComparison.Ordinal);
        Assert.All(options.Problems(), problem => Assert.DoesNotContain(secret, problem, StringComparison.Ordinal));
        Assert.DoesNotContain(secret, Assert.Throws<GuestTokenConfigurationException>(options.ThrowIfInvalid).Message, StringComparison.Ordinal);
    }
}
