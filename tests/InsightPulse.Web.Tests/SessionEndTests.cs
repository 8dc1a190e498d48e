using System.Net;
using Dapper;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Users;
using Microsoft.AspNetCore.Mvc.Testing;

namespace InsightPulse.Web.Tests;

/// <summary>
/// Sessions end on the server: a copy of the cookie taken before the end is refused after it, whichever node it is
/// replayed at. Ended by signing out, a password set, a user disabled, the tenant suspended, or by another process.
/// </summary>
[Collection(Lanes.Http)]
public sealed class SessionEndTests(PostgresFixture postgres, WebPlatform web) : IClassFixture<WebPlatform>, IAsyncLifetime
{
    public async Task InitializeAsync() => await web.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    private const string Host = "tbwa.localhost";

    private static string SessionCookie(HttpResponseMessage signIn) =>
        signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ipai_session=", StringComparison.Ordinal)).Split(';')[0];

    /// <summary>A request to a page that needs a session, carrying only <paramref name="cookie"/>: 200 when the session is good, else a redirect to /login.</summary>
    private static async Task<HttpStatusCode> ReplayAsync(HttpClient client, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", cookie);
        var response = await client.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.Redirect) Assert.Equal("/login", response.Headers.Location!.AbsolutePath);
        return response.StatusCode;
    }

    /// <summary>A new user of tbwa signed in once; returns the session cookie and the client holding it.</summary>
    private async Task<(HttpClient Client, string Cookie, long UserId)> NewUserSignedInAsync(string login, string password)
    {
        var admin = await web.AdminClientAsync(Host, "tbwa");
        var created = await WebPlatform.PostFormAsync(admin, "/settings/users", "/settings/users", new Dictionary<string, string>
        {
            ["login"] = login,
            ["name"] = "Session " + login,
            ["password"] = password,
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var client = web.Client(Host);
        var signIn = await WebPlatform.SignInAsync(client, login, password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var tenant = await web.Scope.Registry.GetAsync("tbwa", CancellationToken.None);
        var users = await web.Scope.Get<TenantUserDirectory>().ListAsync(tenant, CancellationToken.None);
        return (client, SessionCookie(signIn), users.Single(u => u.Login == login).Id);
    }

    [Fact]
    public async Task A_cookie_copied_before_sign_out_is_refused_after_it()
    {
        var client = web.Client(Host);
        var signIn = await WebPlatform.SignInAsync(client, "admin", web.AdminPasswordOf("tbwa"));
        var copy = SessionCookie(signIn);
        Assert.Equal(HttpStatusCode.OK, await ReplayAsync(web.Client(Host), copy));

        var signOut = await WebPlatform.PostFormAsync(client, "/", "/logout", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client(Host), copy));
    }

    [Fact]
    public async Task Setting_a_users_password_ends_every_session_of_that_user_and_no_other()
    {
        var (user, cookie, id) = await NewUserSignedInAsync("pw-set", "first password here");
        var second = web.Client(Host);
        var secondCookie = SessionCookie(await WebPlatform.SignInAsync(second, "pw-set", "first password here"));
        var admin = await web.AdminClientAsync(Host, "tbwa");

        var set = await WebPlatform.PostFormAsync(admin, "/settings/users", $"/settings/users/{id}/password", new Dictionary<string, string> { ["password"] = "second password here" });
        Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client(Host), cookie));
        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client(Host), secondCookie));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/settings/users")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await WebPlatform.SignInAsync(web.Client(Host), "pw-set", "first password here")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(web.Client(Host), "pw-set", "second password here")).StatusCode);
        _ = user;
    }

    [Fact]
    public async Task Disabling_a_user_ends_their_sessions_and_refuses_their_sign_in_until_enabled()
    {
        var (_, cookie, id) = await NewUserSignedInAsync("to-disable", "disable me please");
        var admin = await web.AdminClientAsync(Host, "tbwa");

        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.PostFormAsync(admin, "/settings/users", $"/settings/users/{id}/disable", new Dictionary<string, string>())).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client(Host), cookie));
        Assert.Equal(HttpStatusCode.Unauthorized, (await WebPlatform.SignInAsync(web.Client(Host), "to-disable", "disable me please")).StatusCode);
        Assert.Contains("inactive", await admin.GetStringAsync("/settings/users"), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.PostFormAsync(admin, "/settings/users", $"/settings/users/{id}/enable", new Dictionary<string, string>())).StatusCode);
        // Enabling does not bring the old session back.
        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client(Host), cookie));
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(web.Client(Host), "to-disable", "disable me please")).StatusCode);
    }

    [Fact]
    public async Task Provisioning_that_sets_a_new_admin_password_ends_the_admins_sessions()
    {
        var cookie = SessionCookie(await WebPlatform.SignInAsync(web.Client("scout.localhost"), "admin", web.AdminPasswordOf("scout")));
        web.Scope.Get<AdminPassword>().Forget("scout"); // the next run makes and sets a new one
        var run = await web.Scope.CliAsync("tenant", "provision", "scout", "--no-verify");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ended their sessions", run.Output + run.Error, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client("scout.localhost"), cookie));
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(web.Client("scout.localhost"), "admin", web.AdminPasswordOf("scout"))).StatusCode);
    }

    [Fact]
    public async Task An_admin_cannot_disable_their_own_account()
    {
        var admin = await web.AdminClientAsync(Host, "tbwa");
        var tenant = await web.Scope.Registry.GetAsync("tbwa", CancellationToken.None);
        var self = (await web.Scope.Get<TenantUserDirectory>().ListAsync(tenant, CancellationToken.None)).Single(u => u.Login == "admin");
        var refused = await WebPlatform.PostFormAsync(admin, "/settings/users", $"/settings/users/{self.Id}/disable", new Dictionary<string, string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("your own account", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/settings/users")).StatusCode);
    }

    [Fact]
    public async Task Suspending_the_tenant_ends_its_sessions_for_good()
    {
        var (_, cookie, _) = await NewUserSignedInAsync("suspended-user", "suspend this one");
        Assert.Equal(0, (await web.Scope.CliAsync("tenant", "suspend", "tbwa")).ExitCode);
        try
        {
            Assert.Equal(0, (await web.Scope.CliAsync("tenant", "resume", "tbwa")).ExitCode);
            await WaitForRouteAsync();
            Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client(Host), cookie));
        }
        finally
        {
            await web.Scope.CliAsync("tenant", "resume", "tbwa");
        }
    }

    [Fact]
    public async Task A_session_ended_by_another_process_is_refused_within_a_second()
    {
        var (_, cookie, id) = await NewUserSignedInAsync("ended-elsewhere", "end me elsewhere");
        Assert.Equal(HttpStatusCode.OK, await ReplayAsync(web.Client(Host), cookie));
        // Another process (another node, the CLI) with its own cache ends the user's sessions.
        var tenant = await web.Scope.Registry.GetAsync("tbwa", CancellationToken.None);
        Assert.Equal(1, await web.Scope.Get<WebSessions>().EndUserAsync(tenant.Code, id, SessionEnd.UserChanged, CancellationToken.None));
        await Task.Delay(WebSessions.CheckedFor + TimeSpan.FromMilliseconds(100));
        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client(Host), cookie));
    }

    [Fact]
    public async Task A_password_changed_in_sql_ends_the_session_at_the_next_recheck()
    {
        // The same app checking the user on every request (the default is every few minutes).
        using var rechecking = new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in web.Scope.Settings) builder.UseSetting(key, value);
            builder.UseSetting("Web:SessionRecheckSeconds", "0");
        });
        var options = new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://" + Host), AllowAutoRedirect = false };
        var (_, cookie, id) = await NewUserSignedInAsync("sql-changed", "changed in sql later");
        Assert.Equal(HttpStatusCode.OK, await ReplayAsync(rechecking.CreateClient(options), cookie));

        var tenant = await web.Scope.Registry.GetAsync("tbwa", CancellationToken.None);
        await using (var connection = new Npgsql.NpgsqlConnection(web.Scope.Postgres.ConnectionString(tenant.DbName)))
        {
            await connection.ExecuteAsync("UPDATE res_users SET password_hash = @hash WHERE id = @id", new { id, hash = PasswordHash.Of("set behind the app's back") });
        }
        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(rechecking.CreateClient(options), cookie));
        Assert.Equal(HttpStatusCode.Redirect, await ReplayAsync(web.Client(Host), cookie));
    }

    private async Task WaitForRouteAsync()
    {
        for (var i = 0; i < 50; i++)
        {
            if ((await web.Client(Host).GetAsync("/login")).StatusCode == HttpStatusCode.OK) return;
            await Task.Delay(100);
        }
    }
}
