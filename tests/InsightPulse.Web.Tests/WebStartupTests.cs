using InsightPulse.Core.Isolation;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace InsightPulse.Web.Tests;

/// <summary>The web host refuses to start when its runtime role could bypass row-level security, or its guest tokens could be forged.</summary>
[Collection(Lanes.Http)]
public sealed class WebStartupTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public void A_superuser_as_runtime_role_stops_the_host_before_it_serves()
    {
        // The test server's admin (a superuser, owner of every tenant object) named as the runtime role.
        using var factory = new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in web.Scope.Settings) builder.UseSetting(key, value);
            builder.UseSetting("Platform:AppRole", postgres.Admin.Username);
        });

        var error = Assert.Throws<RuntimeRoleUnsafeException>(() => factory.Server);
        Assert.Contains(postgres.Admin.Username, error.Message, StringComparison.Ordinal);
        Assert.Contains("superuser", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null, "GUEST_TOKEN_JWT_SECRET")]
    [InlineData("test-guest-secret-change-me", "GUEST_TOKEN_JWT_SECRET")]
    [InlineData("short", "32")]
    public void Without_a_usable_guest_token_secret_on_an_external_server_the_host_does_not_start(string? secret, string expected)
    {
        using var factory = new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in web.Scope.Settings) builder.UseSetting(key, value);
            builder.UseSetting("GUEST_TOKEN_JWT_SECRET", secret ?? "");
            builder.UseEnvironment("Production");
        });

        var error = Assert.Throws<InsightPulse.Core.Bi.Security.GuestTokenConfigurationException>(() => factory.Server);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        if (secret is not null) Assert.DoesNotContain(secret, error.Message.Replace("GUEST_TOKEN_JWT_SECRET", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }
}
