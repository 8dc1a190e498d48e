using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
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
/// the server. <c>up</c> runs once per class through the CLI, as an operator runs it.
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
        Assert.DoesNotContain(postgres.Admin.Password, up.Output + up.Error, StringComparison.Ordinal);
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
        Assert.DoesNotContain($"user={postgres.Admin.Username} ", log, StringComparison.Ordinal);
        Assert.DoesNotContain($"user={postgres.Admin.Username} ", deployment.LogAfterUp.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
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

        var runs = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() => deployment.Scope.CliAsync("tenant", "provision", "tenfold", "--no-verify", "--json"))));

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
        Assert.DoesNotContain(postgres.Admin.Password, up.Error + provision.Error + status.Output, StringComparison.Ordinal);

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

    public HttpClient Client(string host) => factory.CreateClient(new WebApplicationFactoryClientOptions
    {
        BaseAddress = new Uri($"http://{host}"),
        AllowAutoRedirect = false,
        HandleCookies = true,
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
            _pooledUrl = $"postgres://{Uri.EscapeDataString(postgres.Admin.Username)}:{Uri.EscapeDataString(postgres.Admin.Password)}@127.0.0.1:{Bouncer.Port}/{postgres.AdminDatabase}?sslmode=disable&supa=base-pooler.x";
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

    /// <summary>A web node on both URLs, or on the pooled URL only; started (role guard, routing table) before it returns.</summary>
    public Task<Node> StartNodeAsync(bool pooledOnly)
    {
        var settings = pooledOnly ? PooledOnlySettings() : Scope.Settings;
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
