using System.Net;
using Dapper;
using InsightPulse.Core.Users;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace InsightPulse.Web.Tests;

/// <summary>Per-tenant sign-in against the tenant database's res_users: cookie rules, antiforgery, lockout, cross-tenant replay.</summary>
[Collection(Lanes.Http)]
public sealed class SignInTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("tbwa.localhost", "tbwa")]
    [InlineData("scout.localhost", "scout")]
    [InlineData("localhost", "platform")]
    public async Task The_seed_admin_signs_in_and_sees_their_tenant(string host, string code)
    {
        var client = web.Client(host);
        var response = await WebPlatform.SignInAsync(client, "admin", web.AdminPasswordOf(code));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var home = await client.GetStringAsync("/");
        var tenant = await web.Scope.Registry.GetAsync(code, CancellationToken.None);
        Assert.Contains(tenant.Name, home, StringComparison.Ordinal);
        Assert.Contains(host, home, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_session_cookie_is_host_only_http_only_and_same_site_lax()
    {
        var response = await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "admin", web.AdminPasswordOf("tbwa"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ipai_session=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("httponly", cookie, StringComparison.Ordinal);
        Assert.Contains("samesite=lax", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("domain=", cookie, StringComparison.Ordinal);
        Assert.DoesNotContain("secure", cookie, StringComparison.Ordinal); // plain HTTP here; HTTPS requests get Secure
    }

    [Fact]
    public async Task On_https_the_session_cookie_is_secure()
    {
        var client = web.Client("tbwa.localhost");
        client.BaseAddress = new Uri("https://tbwa.localhost");
        var response = await WebPlatform.SignInAsync(client, "admin", web.AdminPasswordOf("tbwa"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ipai_session=", StringComparison.Ordinal)).ToLowerInvariant();
        Assert.Contains("; secure", cookie, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tbwa_cookie_replayed_at_another_tenant_is_refused()
    {
        var response = await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "admin", web.AdminPasswordOf("tbwa"));
        var cookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ipai_session=", StringComparison.Ordinal)).Split(';')[0];
        foreach (var host in new[] { "scout.localhost", "localhost" })
        {
            var other = web.Client(host);
            using var request = new HttpRequestMessage(HttpMethod.Get, "/settings/users");
            request.Headers.Add("Cookie", cookie);
            var replay = await other.SendAsync(request);
            Assert.Equal(HttpStatusCode.Redirect, replay.StatusCode);
            Assert.Equal("/login", replay.Headers.Location!.AbsolutePath);
        }
        var same = web.Client("tbwa.localhost");
        using var back = new HttpRequestMessage(HttpMethod.Get, "/settings/users");
        back.Headers.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, (await same.SendAsync(back)).StatusCode);
    }

    [Fact]
    public async Task A_form_without_its_antiforgery_token_is_refused()
    {
        var client = web.Client("tbwa.localhost");
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["login"] = "admin",
            ["password"] = web.AdminPasswordOf("tbwa"),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.DoesNotContain(response.Headers.TryGetValues("Set-Cookie", out var cookies) ? cookies : [], c => c.StartsWith("ipai_session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_login_get_the_same_answer()
    {
        var wrong = await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "admin", "not the password");
        var unknown = await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "nobody", "not the password");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Contains("Wrong login or password.", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("Wrong login or password.", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await ClearFailuresAsync("tbwa", "admin");
    }

    [Fact]
    public async Task Repeated_failures_lock_the_user_out_even_with_the_right_password()
    {
        var admin = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var created = await WebPlatform.PostFormAsync(admin, "/settings/users", "/settings/users", new Dictionary<string, string>
        {
            ["login"] = "lockme",
            ["name"] = "Lock Me",
            ["password"] = "correct horse battery",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var threshold = web.Services.GetRequiredService<LockoutPolicy>().Threshold;
        for (var i = 0; i < threshold - 1; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "lockme", "wrong")).StatusCode);
        }
        var locking = await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "lockme", "wrong");
        Assert.Contains("locked", await locking.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var right = await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "lockme", "correct horse battery");
        Assert.Equal(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Contains("locked", await right.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await ClearFailuresAsync("tbwa", "lockme");
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(web.Client("tbwa.localhost"), "lockme", "correct horse battery")).StatusCode);
    }

    [Fact]
    public async Task A_user_created_by_the_admin_signs_in_at_that_tenant_only()
    {
        var admin = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var created = await WebPlatform.PostFormAsync(admin, "/settings/users", "/settings/users", new Dictionary<string, string>
        {
            ["login"] = "Juan@TBWA.ph",
            ["name"] = "Juan dela Cruz",
            ["email"] = "juan@tbwa.ph",
            ["password"] = "kape at pandesal",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains("juan@tbwa.ph", await admin.GetStringAsync("/settings/users"), StringComparison.Ordinal);

        var juan = web.Client("tbwa.localhost");
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(juan, "juan@tbwa.ph", "kape at pandesal")).StatusCode);
        Assert.Contains("Juan dela Cruz", await juan.GetStringAsync("/"), StringComparison.Ordinal);
        // Not an admin: the users page is not for them.
        Assert.Equal(HttpStatusCode.Redirect, (await juan.GetAsync("/settings/users")).StatusCode);
        // Scout shares odoo_platform with the platform tenant, and tbwa's user exists at neither.
        Assert.Equal(HttpStatusCode.Unauthorized, (await WebPlatform.SignInAsync(web.Client("scout.localhost"), "juan@tbwa.ph", "kape at pandesal")).StatusCode);
    }

    [Fact]
    public async Task Creating_a_user_shows_each_invalid_field_next_to_it()
    {
        var admin = await web.AdminClientAsync("tbwa.localhost", "tbwa");
        var response = await WebPlatform.PostFormAsync(admin, "/settings/users", "/settings/users", new Dictionary<string, string>
        {
            ["login"] = "has space",
            ["name"] = "",
            ["email"] = "not-an-email",
            ["password"] = "short",
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        foreach (var field in new[] { "login", "name", "email", "password" }) Assert.Contains($"id=\"f-{field}-error\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_address_trying_too_many_sign_ins_gets_429_with_retry_after()
    {
        // The same app with a limit of 3 a minute (the default is 60).
        using var limited = new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in web.Scope.Settings) builder.UseSetting(key, value);
            builder.UseSetting("Web:SignInAttemptsPerMinute", "3");
        });
        var client = limited.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://tbwa.localhost"), AllowAutoRedirect = false });
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await WebPlatform.SignInAsync(client, "nobody-here", "wrong")).StatusCode);
        }
        var refused = await WebPlatform.SignInAsync(client, "nobody-here", "wrong");
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        // Pages other than the sign-in itself are not limited.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/login")).StatusCode);
    }

    [Fact]
    public async Task Returning_after_sign_in_stays_on_this_site()
    {
        Assert.Equal("/finance", Pages.SignInPages.SafeReturnUrl("/finance"));
        Assert.Equal("/", Pages.SignInPages.SafeReturnUrl("//evil.example/"));
        Assert.Equal("/", Pages.SignInPages.SafeReturnUrl("/\\evil.example/"));
        Assert.Equal("/", Pages.SignInPages.SafeReturnUrl("https://evil.example/"));
        Assert.Equal("/", Pages.SignInPages.SafeReturnUrl(null));
        await Task.CompletedTask;
    }

    private async Task ClearFailuresAsync(string code, string login)
    {
        var tenant = await web.Scope.Registry.GetAsync(code, CancellationToken.None);
        await using var connection = new Npgsql.NpgsqlConnection(web.Scope.Postgres.ConnectionString(tenant.DbName));
        await connection.ExecuteAsync("UPDATE res_users SET failed_login_count = 0, locked_until = NULL WHERE tenant_id = @code AND login = @login", new { code, login });
    }
}
