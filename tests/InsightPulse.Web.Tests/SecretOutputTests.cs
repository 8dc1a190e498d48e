using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace InsightPulse.Web.Tests;

/// <summary>
/// No secret in what a full run prints: `up`, provisioning, status, doctor, lint, a webhook added, then sign-in (right
/// and wrong), a dashboard and its guest token, a user created with a password, an error page and sign-out through the
/// web host, every log message of it captured at every level, and the audit trail's rows of it all. Searched for: every
/// secret file's value, the guest-token signing key, the webhook's secret, the new user's password, the session cookie
/// and the guest token issued (each allowed only in the response that hands it out).
/// </summary>
[Collection(Lanes.Http)]
public sealed partial class SecretOutputTests(PostgresFixture postgres)
{
    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

        public void Dispose() { }

        private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
        }
    }

    [Fact]
    public async Task A_full_run_prints_and_logs_no_password_key_cookie_or_token()
    {
        await using var scope = await PlatformScope.CreateAsync(postgres);
        var printed = new List<string>();
        async Task<CliRun> Cli(params string[] args)
        {
            var run = await scope.CliAsync(args);
            printed.Add($"$ {string.Join(' ', args)}\n{run.Output}\n{run.Error}");
            return run;
        }
        const string HookSecretVariable = "IPAI_TEST_SECRET_OUTPUT_HOOK";
        var hookSecret = "hook" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        Environment.SetEnvironmentVariable(HookSecretVariable, hookSecret);
        try
        {
            Assert.Equal(0, (await Cli("up", "--no-serve", "--without-demo")).ExitCode);
            Assert.Equal(0, (await Cli("tenant", "create", "acme", "--name", "Acme")).ExitCode);
            Assert.Equal(0, (await Cli("tenant", "provision", "acme", "--no-verify")).ExitCode);
            await Cli("status");
            await Cli("doctor");
            await Cli("lint");
            await Cli("tenant", "list", "--json");
            Assert.Equal(0, (await Cli("webhook", "add", "http://127.0.0.1:9/hook", "--secret-env", HookSecretVariable)).ExitCode);
            await Cli("webhook", "list");
        }
        finally
        {
            Environment.SetEnvironmentVariable(HookSecretVariable, null);
        }

        var logs = new CapturedLogs();
        using var factory = new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in scope.Settings) builder.UseSetting(key, value);
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs));
        });
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://tbwa.localhost"), AllowAutoRedirect = false });
        var pages = new List<string>();
        async Task<HttpResponseMessage> Keep(HttpResponseMessage response)
        {
            pages.Add($"{(int)response.StatusCode} {response.RequestMessage?.RequestUri}\n{string.Join("\n", response.Headers.Where(h => h.Key != "Set-Cookie").Select(h => $"{h.Key}: {string.Join(",", h.Value)}"))}\n{await response.Content.ReadAsStringAsync()}");
            return response;
        }
        var adminPassword = scope.Get<InsightPulse.Core.Provisioning.AdminPassword>().For("tbwa").Password;
        await Keep(await WebPlatform.SignInAsync(client, "admin", "not the password"));
        var signIn = await WebPlatform.SignInAsync(client, "admin", adminPassword);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = signIn.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("ipai_session=", StringComparison.Ordinal)).Split(';')[0]["ipai_session=".Length..];
        var dashboard = await (await Keep(await client.GetAsync("/dashboards/agency-finance"))).Content.ReadAsStringAsync();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Post, "/dashboards/agency-finance/guest-token")
        {
            Headers = { { "RequestVerificationToken", WebUtility.HtmlDecode(Antiforgery().Match(dashboard).Groups[1].Value) } },
        };
        var issued = await client.SendAsync(tokenRequest);
        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        var guestToken = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        var userPassword = "user" + Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.PostFormAsync(client, "/settings/users", "/settings/users", new Dictionary<string, string>
        {
            ["login"] = "secret-check", ["name"] = "Secret Check", ["password"] = userPassword,
        })).StatusCode);
        await Keep(await client.GetAsync("/no/such/page"));
        await Keep(await factory.CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri("http://localhost") }).GetAsync("/api/v1/tenants"));
        await Keep(await WebPlatform.PostFormAsync(client, "/", "/logout", new Dictionary<string, string>()));

        var secrets = Directory.GetFiles(Path.Combine(scope.Home, "secrets")).Select(f => (Name: "secret file " + Path.GetFileName(f), Value: File.ReadAllText(f).Trim()))
            .Append((Name: "GUEST_TOKEN_JWT_SECRET", Value: scope.Settings["GUEST_TOKEN_JWT_SECRET"]!))
            .Append((Name: "the webhook's secret", Value: hookSecret))
            .Append((Name: "the session cookie", Value: cookie))
            .Append((Name: "the guest token", Value: guestToken))
            .Append((Name: "the new user's password", Value: userPassword))
            .Where(s => s.Value.Length >= 8).ToList();
        Assert.Contains(secrets, s => s.Name.EndsWith("tbwa.admin", StringComparison.Ordinal));
        Assert.True(logs.Lines.Count > 10, "the web host logged little: is the capture wired?");
        var audit = await postgres.ScalarAsync<string>(PlatformScope.PlatformDatabase, "SELECT string_agg(t::text, E'\\n' ORDER BY id) FROM ipai_audit t");
        foreach (var action in new[] { "tenant.created", "tenant.provisioned", "webhook.added", "dashboard.accessed", "user.created" })
        {
            Assert.Contains(action, audit, StringComparison.Ordinal); // the trail holds the run's actions, so that searching it means something
        }
        var output = new[] { ("CLI output", string.Join("\n", printed)), ("web log", string.Join("\n", logs.Lines)), ("web responses", string.Join("\n", pages)), ("audit trail", audit) };
        var found = (from secret in secrets from place in output where place.Item2.Contains(secret.Value, StringComparison.Ordinal) select $"{secret.Name} in the {place.Item1}").ToList();
        Assert.True(found.Count == 0, string.Join("; ", found));
    }

    [GeneratedRegex("data-antiforgery=\"([^\"]+)\"")]
    private static partial Regex Antiforgery();
}
