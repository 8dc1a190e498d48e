using InsightPulse.Core.Users;

namespace InsightPulse.Core.Tests;

/// <summary>The rules a new user's fields follow before any SQL runs (they mirror res_users' CHECKs).</summary>
public sealed class TenantUserRulesTests
{
    [Theory]
    [InlineData("Juan@TBWA.ph", "juan@tbwa.ph")]
    [InlineData("  admin  ", "admin")]
    [InlineData("has space", null)]
    [InlineData("tab\there", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Logins_are_trimmed_and_lower_cased_and_spaces_refused(string? login, string? expected) =>
        Assert.Equal(expected, TenantUserDirectory.NormalizeLogin(login));

    [Fact]
    public void A_login_longer_than_the_column_allows_is_refused() =>
        Assert.Null(TenantUserDirectory.NormalizeLogin(new string('a', 255)));

    [Fact]
    public void A_valid_user_has_no_errors()
    {
        var user = new NewUser("juan", "Juan dela Cruz", "juan@tbwa.ph", "kape at pandesal");
        Assert.Empty(TenantUserDirectory.Validate(user, TenantUserDirectory.NormalizeLogin(user.Login)));
    }

    [Fact]
    public void Each_invalid_field_is_named_once()
    {
        var user = new NewUser("has space", " ", "not-an-email", "short");
        var errors = TenantUserDirectory.Validate(user, TenantUserDirectory.NormalizeLogin(user.Login));
        Assert.Equal(["login", "name", "email", "password"], errors.Select(e => e.Field));
    }

    [Fact]
    public void The_password_needs_the_minimum_length()
    {
        var almost = new NewUser("juan", "Juan", null, new string('x', TenantUserDirectory.MinPasswordLength - 1));
        var enough = almost with { Password = new string('x', TenantUserDirectory.MinPasswordLength) };
        Assert.Equal(["password"], TenantUserDirectory.Validate(almost, "juan").Select(e => e.Field));
        Assert.Empty(TenantUserDirectory.Validate(enough, "juan"));
    }
}
