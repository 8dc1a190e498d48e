using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Hosting;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Xunit.Abstractions;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The document's own deployment: PgBouncer in transaction mode with <c>auth_query</c> in front of the server (the way
/// Supabase's pooler authenticates roles created in the database), <c>POSTGRES_URL</c> through it written as the
/// document writes it (<c>sslmode</c>, <c>supa=base-pooler.x</c>), and <c>POSTGRES_URL_NON_POOLING</c> straight to
/// the server. <c>up</c> runs once per class through the CLI, as an operator runs it. Several web nodes run on it, in
/// this process: they share nothing but PostgreSQL (routing, sessions and form keys: issue 16's stateless nodes).
/// </summary>
[Collection(Lanes.Http)]
public sealed class SupabaseDeploymentTests(PostgresFixture postgres, SupabaseDeployment deployment, ITestOutputHelper output) : IClassFixture<SupabaseDeployment>, IAsyncLifetime
{
    public async Task InitializeAsync() => await deployment.GetAsync(postgres);
    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly (string Code, string Host)[] Seeds = [("platform", "localhost"), ("tbwa", "tbwa.localhost"), ("scout", "scout.localhost")];

    [Fact]
    public async Task Up_through_the_pair_provisions_every_seed_from_templates_and_each_admin_signs_in_through_the_pooler()
    {
        var up = deployment.Up;
        output.WriteLine(up.Error);
        Assert.True(up.ExitCode == 0, up.ToString());
        Assert.Contains("(direct), requests through postgres://", up.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(postgres.Owner.Password, up.Output + up.Error, StringComparison.Ordinal);
        await using (var platform = await deployment.Scope.OpenPlatformAsync())
        {
            var states = (await platform.QueryAsync<(string Code, string State)>("SELECT code, state FROM ipai_tenant WHERE code = ANY (@codes)",
                new { codes = Seeds.Select(s => s.Code).ToArray() })).ToDictionary(t => t.Code, t => t.State);
            Assert.All(Seeds, s => Assert.Equal("active", states[s.Code]));
            // tbwa's database was made from the module template (the fast path the pooler broke with 55006).
            Assert.True(await platform.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datistemplate AND datname LIKE 'ipai_template_%')"));
            Assert.True(await platform.ExecuteScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM ipai_provision_step s JOIN ipai_provision_run r ON r.id = s.run_id WHERE r.tenant_code = 'tbwa' AND s.detail LIKE '%template%')"),
                "tbwa's database step does not say it came from a template");
        }

        var logBefore = (await deployment.Bouncer.LogAsync()).Length;
        await using var node = await deployment.StartNodeAsync(pooledOnly: false);
        foreach (var (code, host) in Seeds)
        {
            var client = node.Client(host);
            var signIn = await WebPlatform.SignInAsync(client, "admin", deployment.AdminPassword(code));
            Assert.True(signIn.StatusCode == HttpStatusCode.Redirect, $"{code}: {signIn.StatusCode}");
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        }

        // The request path logged in through the pooler as the runtime role; the owner did not, during `up` or while
        // this node served: it works on the direct URL.
        var log = (await deployment.Bouncer.LogAsync())[logBefore..].Replace("\n", " ", StringComparison.Ordinal);
        Assert.Contains("db=odoo_tbwa user=ipai_app ", log, StringComparison.Ordinal);
        Assert.DoesNotContain($"user={postgres.Owner.Username} ", log, StringComparison.Ordinal);
        Assert.DoesNotContain($"user={postgres.Owner.Username} ", deployment.LogAfterUp.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        var ready = await ReadyAsync(node.Client("localhost"));
        Assert.Equal("listen", ready.GetProperty("registry_updates").GetString());
    }

    [Fact]
    public async Task A_tenant_provisioned_after_start_is_routed_within_a_second_by_another_node()
    {
        await using var first = await deployment.StartNodeAsync(pooledOnly: false);
        await using var second = await deployment.StartNodeAsync(pooledOnly: false);
        await CreateAsync("latecomer");

        var latency = await RoutedAfterCommitAsync(second, "latecomer", () => deployment.Scope.CliAsync("tenant", "provision", "latecomer", "--no-verify"));

        output.WriteLine($"routed by the other node {latency.TotalMilliseconds:0} ms after the commit");
        Assert.True(latency < TimeSpan.FromSeconds(1), $"the other node routed latecomer {latency.TotalMilliseconds:0} ms after the commit");
        var client = second.Client("latecomer.localhost");
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(client, "admin", deployment.AdminPassword("latecomer"))).StatusCode);
    }

    [Fact]
    public async Task Ten_simultaneous_provisions_through_the_pair_make_one_tenant()
    {
        await CreateAsync("tenfold");

        var (runs, waiters) = await HeldLockStart.RunAsync(postgres.ConnectionString("odoo_platform"), TenantProvisioner.LockKey("tenfold"), 10,
            () => deployment.Scope.CliAsync("tenant", "provision", "tenfold", "--no-verify", "--json"));

        Assert.Equal(10, waiters);
        Assert.All(runs, r => Assert.True(r.ExitCode == 0, r.ToString()));
        Assert.Single(runs, r => r.Json().GetProperty("changed").GetBoolean());
        await using var platform = await deployment.Scope.OpenPlatformAsync();
        Assert.Equal(10, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_provision_run WHERE tenant_code = 'tenfold' AND outcome = 'succeeded'"));
        var database = await platform.ExecuteScalarAsync<string>("SELECT db_name FROM ipai_tenant WHERE code = 'tenfold'");
        await using var tenant = new NpgsqlConnection(postgres.ConnectionString(database!));
        await tenant.OpenAsync();
        Assert.Equal(1, await tenant.ExecuteScalarAsync<int>("SELECT count(*) FROM res_users WHERE login = 'admin'"));
    }

    [Fact]
    public async Task With_only_the_pooled_url_a_node_serves_and_polls_while_session_work_is_refused_naming_the_direct_url()
    {
        var up = await deployment.PooledOnlyCliAsync("up", "--no-serve");
        var provision = await deployment.PooledOnlyCliAsync("tenant", "provision", "tbwa", "--no-verify");
        var status = await deployment.PooledOnlyCliAsync("status");
        var install = await deployment.PooledOnlyCliAsync("tenant", "install", "platform", "ipai_finance_ppm");
        var list = await deployment.PooledOnlyCliAsync("tenant", "list", "--json");

        output.WriteLine(status.Output);
        output.WriteLine(up.Error);
        Assert.Equal(1, up.ExitCode);
        Assert.Contains("`./ipai up` (roles, databases, migrations, provisioning) needs a PostgreSQL session", up.Error, StringComparison.Ordinal);
        Assert.Contains("Set POSTGRES_URL_NON_POOLING", up.Error, StringComparison.Ordinal);
        Assert.Equal(1, provision.ExitCode);
        Assert.Contains("Provisioning tenant 'tbwa' needs a PostgreSQL session", provision.Error, StringComparison.Ordinal);
        Assert.Contains("POSTGRES_URL_NON_POOLING", provision.Error, StringComparison.Ordinal);
        Assert.Equal(1, install.ExitCode);
        Assert.Contains("needs a PostgreSQL session", install.Error, StringComparison.Ordinal);
        await using (var platform = await deployment.Scope.OpenPlatformAsync())
        {
            Assert.Equal(0, await platform.ExecuteScalarAsync<int>("SELECT count(*) FROM ipai_tenant_module WHERE tenant_code = 'platform' AND module = 'ipai_finance_ppm'"));
        }
        Assert.True(list.ExitCode == 0, list.ToString());
        Assert.Contains(list.Json().EnumerateArray(), t => t.GetProperty("code").GetString() == "tbwa");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("POSTGRES_URL", status.Output, StringComparison.Ordinal);
        Assert.Contains("through a transaction-mode pooler: supa=base-pooler.x", status.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(postgres.Owner.Password, up.Error + provision.Error + status.Output, StringComparison.Ordinal);

        await using var node = await deployment.StartNodeAsync(pooledOnly: true);
        var tbwa = node.Client("tbwa.localhost");
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(tbwa, "admin", deployment.AdminPassword("tbwa"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await tbwa.GetAsync("/")).StatusCode);
        Assert.Equal("poll", (await ReadyAsync(node.Client("localhost"))).GetProperty("registry_updates").GetString());

        // A tenant provisioned meanwhile (by a process that has the direct URL) is routed at the next poll.
        await CreateAsync("pollster");
        var latency = await RoutedAfterCommitAsync(node, "pollster", () => deployment.Scope.CliAsync("tenant", "provision", "pollster", "--no-verify"));
        output.WriteLine($"routed by the polling node {latency.TotalMilliseconds:0} ms after the commit");
        Assert.True(latency < TenantRouteTable.PollInterval + TimeSpan.FromMilliseconds(500), $"routed {latency.TotalMilliseconds:0} ms after the commit");
        Assert.Equal(HttpStatusCode.Redirect,
            (await WebPlatform.SignInAsync(node.Client("pollster.localhost"), "admin", deployment.AdminPassword("pollster"))).StatusCode);
    }

    [Fact]
    public async Task A_tenant_whose_database_was_dropped_keeps_no_node_from_starting_and_answers_503_with_retry_after()
    {
        await CreateAsync("doomed");
        var provision = await deployment.Scope.CliAsync("tenant", "provision", "doomed", "--no-verify");
        Assert.True(provision.ExitCode == 0, provision.ToString());
        await using (var admin = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase)))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync("DROP DATABASE odoo_doomed WITH (FORCE)");
        }

        foreach (var pooledOnly in new[] { false, true })
        {
            var clock = Stopwatch.StartNew();
            await using var node = await deployment.StartNodeAsync(pooledOnly);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the node took {clock.Elapsed.TotalSeconds:0.0} s to start");

            var ready = await ReadyAsync(node.Client("localhost"));
            // (vanishing too, when that test ran first: its database is dropped as well)
            var unavailable = Assert.Single(ready.GetProperty("unavailable_tenants").EnumerateArray(), t => t.GetProperty("code").GetString() == "doomed");
            Assert.Contains("odoo_doomed does not exist", unavailable.GetProperty("reason").GetString(), StringComparison.Ordinal);

            clock.Restart();
            var doomed = await node.Client("doomed.localhost").GetAsync("/login");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, doomed.StatusCode);
            Assert.True(doomed.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "no Retry-After");
            output.WriteLine($"pooled only: {pooledOnly}; 503 in {clock.Elapsed.TotalMilliseconds:0} ms");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the 503 took {clock.Elapsed.TotalMilliseconds:0} ms");
            Assert.Contains("cannot be reached right now", await doomed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            var api = await node.Client("doomed.localhost").GetAsync("/api/v1/dashboard/finance/embedded");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, api.StatusCode);
            Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);

            var tbwa = node.Client("tbwa.localhost");
            Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(tbwa, "admin", deployment.AdminPassword("tbwa"))).StatusCode);
        }
    }

    [Fact]
    public async Task A_tenant_database_dropped_while_a_node_serves_it_costs_one_bounded_wait_then_503s_at_once()
    {
        await CreateAsync("vanishing");
        var provision = await deployment.Scope.CliAsync("tenant", "provision", "vanishing", "--no-verify");
        Assert.True(provision.ExitCode == 0, provision.ToString());
        await using var node = await deployment.StartNodeAsync(pooledOnly: false);
        // Signed in first: the node's pool keeps client connections to the pooler for this database.
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(node.Client("vanishing.localhost"), "admin", deployment.AdminPassword("vanishing"))).StatusCode);
        await using (var admin = new NpgsqlConnection(postgres.ConnectionString(postgres.AdminDatabase)))
        {
            await admin.OpenAsync();
            await admin.ExecuteAsync("DROP DATABASE odoo_vanishing WITH (FORCE)");
        }

        // The pooler queues the next statement while its logins to the dropped database fail (PgBouncer would wait
        // 120 s): the first statement of a unit of work gets a connection attempt's time, then the tenant is marked.
        var clock = Stopwatch.StartNew();
        var first = await WebPlatform.SignInAsync(node.Client("vanishing.localhost"), "admin", deployment.AdminPassword("vanishing"));
        var firstTook = clock.Elapsed;
        clock.Restart();
        var second = await node.Client("vanishing.localhost").GetAsync("/");
        var secondTook = clock.Elapsed;

        output.WriteLine($"first request {firstTook.TotalSeconds:0.0} s, second {secondTook.TotalMilliseconds:0} ms");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.True(first.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, "no Retry-After");
        Assert.InRange(firstTook, TimeSpan.Zero, TimeSpan.FromSeconds(PostgresServer.ConnectTimeoutSeconds + 10));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.InRange(secondTook, TimeSpan.Zero, TimeSpan.FromSeconds(2));
        Assert.Contains(await ReadyAsync(node.Client("localhost")) is var ready ? ready.GetProperty("unavailable_tenants").EnumerateArray().Select(t => t.GetProperty("code").GetString()) : [], c => c == "vanishing");
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(node.Client("tbwa.localhost"), "admin", deployment.AdminPassword("tbwa"))).StatusCode);
    }

    [Fact]
    public async Task Sessions_and_form_tokens_work_across_nodes_with_homes_of_their_own_and_after_a_restart()
    {
        // Another machine: its own local folder, holding only the role secrets `up` wrote (no key folder).
        var elsewhere = PostgresFixture.NewTempFolder("ipai-test-node");
        CopyFolder(Path.Combine(deployment.Scope.Home, "secrets"), Path.Combine(elsewhere, "secrets"));
        try
        {
            await using var first = await deployment.StartNodeAsync(pooledOnly: false);
            var (session, _) = await SignInCookiesAsync(first.Client("tbwa.localhost", cookies: false), deployment.AdminPassword("tbwa"));
            var (formCookie, formToken) = await FormAsync(first.Client("tbwa.localhost", cookies: false));

            await using var second = await deployment.StartNodeAsync(pooledOnly: false, home: elsewhere);
            Assert.Equal(HttpStatusCode.OK, (await GetWithCookieAsync(second, session)).StatusCode);
            // The first node's sign-in form, posted to the second: the form is accepted (not a 400), the wrong password refused as such.
            var post = await PostSignInAsync(second.Client("tbwa.localhost", cookies: false), formCookie, formToken, "not-the-password");
            Assert.Equal(HttpStatusCode.Unauthorized, post.StatusCode);
            Assert.Contains("Wrong login or password.", await post.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            await first.DisposeAsync();
            await using var restarted = await deployment.StartNodeAsync(pooledOnly: false);
            Assert.Equal(HttpStatusCode.OK, (await GetWithCookieAsync(restarted, session)).StatusCode);
            Assert.False(Directory.Exists(Path.Combine(elsewhere, "web-keys")));
            // A cookie no node issued is still refused (sent to the sign-in page).
            Assert.Equal(HttpStatusCode.Redirect, (await GetWithCookieAsync(restarted, session[..(session.IndexOf('=', StringComparison.Ordinal) + 1)] + "forged")).StatusCode);
        }
        finally
        {
            Directory.Delete(elsewhere, recursive: true);
        }
    }

    [Fact]
    public async Task The_key_ring_is_the_owners_alone_and_keys_of_a_former_key_folder_are_copied_in_once()
    {
        // The runtime role reaches odoo_platform (the platform tenant's data), but not the keys.
        var appPassword = (await File.ReadAllTextAsync(Path.Combine(deployment.Scope.Home, "secrets", "ipai_app.password"))).Trim();
        await using (var app = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres.ConnectionString("odoo_platform")) { Username = "ipai_app", Password = appPassword }.ConnectionString))
        {
            await app.OpenAsync();
            var refused = await Assert.ThrowsAsync<PostgresException>(() => app.ExecuteScalarAsync<long>("SELECT count(*) FROM ipai_data_protection_key"));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        await using var platform = await deployment.Scope.OpenPlatformAsync();
        var saved = (await platform.QueryAsync<(string Name, string Xml)>("SELECT friendly_name, xml FROM ipai_data_protection_key ORDER BY id")).ToList();
        var folder = Directory.CreateDirectory(PostgresFixture.NewTempFolder("ipai-test-web-keys"));
        try
        {
            await platform.ExecuteAsync("DELETE FROM ipai_data_protection_key");
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "key-0f1e.xml"), "<key id=\"0f1e\" version=\"1\"><creationDate>2026-12-01T00:00:00Z</creationDate></key>");
            var repository = new PostgresKeyRepository(deployment.Scope.Get<PlatformDatabases>(), folder);

            var first = repository.GetAllElements();
            File.Delete(Path.Combine(folder.FullName, "key-0f1e.xml"));
            var second = repository.GetAllElements();

            Assert.Equal("0f1e", Assert.Single(first).Attribute("id")?.Value);
            Assert.Equal("0f1e", Assert.Single(second).Attribute("id")?.Value); // from the table now
            Assert.Equal(["key-0f1e"], await platform.QueryAsync<string>("SELECT friendly_name FROM ipai_data_protection_key"));
        }
        finally
        {
            await platform.ExecuteAsync("DELETE FROM ipai_data_protection_key");
            foreach (var (name, xml) in saved) await platform.ExecuteAsync("INSERT INTO ipai_data_protection_key (friendly_name, xml) VALUES (@name, @xml)", new { name, xml });
            folder.Delete(recursive: true);
        }
    }

    private static async Task<HttpResponseMessage> GetWithCookieAsync(Node node, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", cookie);
        return await node.Client("tbwa.localhost", cookies: false).SendAsync(request);
    }

    /// <summary>The sign-in form's antiforgery cookie (name=value) and token.</summary>
    private static async Task<(string Cookie, string Token)> FormAsync(HttpClient client)
    {
        var page = await client.GetAsync("/login");
        var cookie = page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith("ipai_antiforgery=", StringComparison.Ordinal));
        var token = System.Text.RegularExpressions.Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        return (cookie, WebUtility.HtmlDecode(token));
    }

    private static Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string formCookie, string token, string password)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/login")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token, ["login"] = "admin", ["password"] = password }),
        };
        request.Headers.Add("Cookie", formCookie);
        return client.SendAsync(request);
    }

    /// <summary>Signs in as admin; the session cookie (name=value) and the form's cookie.</summary>
    private static async Task<(string Session, string FormCookie)> SignInCookiesAsync(HttpClient client, string password)
    {
        var (formCookie, token) = await FormAsync(client);
        var signIn = await PostSignInAsync(client, formCookie, token, password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var session = signIn.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(SessionClaims.CookieName + "=", StringComparison.Ordinal));
        return (session, formCookie);
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    private async Task CreateAsync(string code)
    {
        var create = await deployment.Scope.CliAsync("tenant", "create", code, "--name", $"{code} Inc", "--domain", $"{code}.example.com");
        Assert.True(create.ExitCode == 0, create.ToString());
    }

    /// <summary>
    /// Runs <paramref name="provision"/> while watching both the registry (straight SQL) and <paramref name="node"/>'s
    /// routing table every 5 ms; the time between the tenant turning active in the registry and the node routing it.
    /// </summary>
    private async Task<TimeSpan> RoutedAfterCommitAsync(Node node, string code, Func<Task<CliRun>> provision)
    {
        var routes = node.Services.GetRequiredService<TenantRouteTable>();
        var clock = Stopwatch.StartNew();
        TimeSpan? committed = null, routed = null;
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        var watchRegistry = Task.Run(async () =>
        {
            await using var platform = await deployment.Scope.OpenPlatformAsync();
            while (!stop.IsCancellationRequested)
            {
                if (await platform.ExecuteScalarAsync<string>("SELECT state FROM ipai_tenant WHERE code = @code", new { code }) == "active")
                {
                    committed = clock.Elapsed;
                    return;
                }
                await Task.Delay(5);
            }
        });
        var watchNode = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (routes.Resolve($"{code}.localhost")?.State == TenantState.Active)
                {
                    routed = clock.Elapsed;
                    return;
                }
                await Task.Delay(5);
            }
        });
        var run = await provision();
        Assert.True(run.ExitCode == 0, run.ToString());
        await Task.WhenAll(watchRegistry, watchNode);
        Assert.True(committed is not null && routed is not null, "the tenant never became active, or the node never routed it");
        return routed!.Value - committed!.Value;
    }

    private static async Task<JsonElement> ReadyAsync(HttpClient client)
    {
        var response = await client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }
}

/// <summary>One web node of the deployment (a host in this process), stopped when disposed.</summary>
public sealed class Node(WebApplicationFactory<WebApp> factory) : IAsyncDisposable
{
    public IServiceProvider Services => factory.Services;

    public HttpClient Client(string host, bool cookies = true) => factory.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri($"http://{host}"),
        AllowAutoRedirect = false,
        HandleCookies = cookies,
    });

    public ValueTask DisposeAsync() => factory.DisposeAsync();
}

/// <summary>
/// The class's platform: the lane's server emptied, PgBouncer (transaction mode, auth_query) in front of it, and
/// <c>up --no-serve</c> run through the CLI with both URLs.
/// </summary>
public sealed class SupabaseDeployment : IAsyncLifetime
{
    public Task InitializeAsync() => Task.CompletedTask;

    private readonly SemaphoreSlim _gate = new(1, 1);

    public PlatformScope Scope { get; private set; } = null!;
    public PgBouncerProcess Bouncer { get; private set; } = null!;
    public CliRun Up { get; private set; } = null!;

    /// <summary>What the pooler logged by the end of <c>up</c>.</summary>
    public string LogAfterUp { get; private set; } = "";
    private string _pooledUrl = "";

    public async Task GetAsync(PostgresFixture postgres)
    {
        ArgumentNullException.ThrowIfNull(postgres);
        await _gate.WaitAsync();
        try
        {
            if (Up is not null) return;
            Scope = await PlatformScope.CreateAsync(postgres);
            Bouncer = await PgBouncerProcess.StartAsync(postgres, serverPoolSize: 5);
            // As the document writes Supabase's pair (the pooler recognised by supa=, the port here being a free one).
            _pooledUrl = $"postgres://{Uri.EscapeDataString(postgres.Owner.Username)}:{Uri.EscapeDataString(postgres.Owner.Password)}@127.0.0.1:{Bouncer.Port}/{postgres.AdminDatabase}?sslmode=disable&supa=base-pooler.x";
            Scope.Settings[PlatformEnvironment.DirectUrlVariable] = Scope.Settings[PlatformEnvironment.PooledUrlVariable];
            Scope.Settings[PlatformEnvironment.PooledUrlVariable] = _pooledUrl;
            Up = await Scope.CliAsync("up", "--no-serve", "--without-demo");
            LogAfterUp = await Bouncer.LogAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    private Dictionary<string, string?> PooledOnlySettings()
    {
        var settings = new Dictionary<string, string?>(Scope.Settings);
        settings.Remove(PlatformEnvironment.DirectUrlVariable);
        return settings;
    }

    /// <summary>The CLI with POSTGRES_URL (the pooler) only.</summary>
    public Task<CliRun> PooledOnlyCliAsync(params string[] args) => CliRun.RunAsync(PooledOnlySettings(), args);

    /// <summary>
    /// A web node on both URLs, or on the pooled URL only; started (role guard, routing table) before it returns.
    /// <paramref name="home"/>: a local folder of its own (as on another machine) instead of the scope's.
    /// </summary>
    public Task<Node> StartNodeAsync(bool pooledOnly, string? home = null)
    {
        var settings = new Dictionary<string, string?>(pooledOnly ? PooledOnlySettings() : Scope.Settings);
        if (home is not null) settings["Local:Home"] = home;
        var factory = new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings) builder.UseSetting(key, value);
            builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        });
        _ = factory.Server;
        return Task.FromResult(new Node(factory));
    }

    /// <summary>A tenant's admin password, generated into the scope's secrets by provisioning.</summary>
    public string AdminPassword(string code) => Scope.Get<AdminPassword>().For(code).Password;

    // IAsyncLifetime, not IAsyncDisposable: xunit 2 disposes a class fixture through this one (PgBouncer processes were
    // left running otherwise).
    public async Task DisposeAsync()
    {
        if (Bouncer is not null) await Bouncer.DisposeAsync();
        if (Scope is not null) await Scope.DisposeAsync();
        _gate.Dispose();
    }
}
