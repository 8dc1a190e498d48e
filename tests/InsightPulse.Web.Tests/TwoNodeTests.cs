using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Provisioning;

namespace InsightPulse.Web.Tests;

/// <summary>
/// Two `ipai serve` processes behind Debian's nginx, sharing nothing but PostgreSQL: the second node has a home folder
/// of its own and gets the role passwords from the environment (<c>IPAI_SECRET_…</c>), as a node on another machine
/// would. A session opened through one node works on the other, a tenant provisioned meanwhile is routed by both within
/// a second, and when one node is killed the other carries every request on.
/// </summary>
[Collection(Lanes.Http)]
public sealed class TwoNodeTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _scope = null!;
    private ServeProcess _first = null!;
    private ServeProcess _second = null!;
    private NginxProcess _nginx = null!;

    public async Task InitializeAsync()
    {
        _scope = await PlatformScope.CreateAsync(postgres);
        Assert.DoesNotContain(await _scope.UpAndProvisionAsync(), s => s.Failed);
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        var shared = new Dictionary<string, string?>(_scope.Settings) { ["IPAI_OPERATOR_TOKEN"] = token };
        _first = await ServeProcess.StartAsync(shared);
        // The second node: a home of its own, no secrets folder; the runtime roles' passwords from its environment.
        var secrets = _scope.Get<ManagedCluster>().Secrets;
        var environment = new[] { "ipai_app.password", "ipai_bi.password" }.ToDictionary(SecretStore.VariableOf, secrets.ReadRequired);
        _second = await ServeProcess.StartAsync(new Dictionary<string, string?>(shared) { ["Local:Home"] = PostgresFixture.NewTempFolder("ipai-test-node2") }, environment);
        _nginx = await NginxProcess.StartAsync([_first.Port, _second.Port]);
    }

    public async Task DisposeAsync()
    {
        if (_nginx is not null) await _nginx.DisposeAsync();
        if (_second is not null) await _second.DisposeAsync();
        if (_first is not null) await _first.DisposeAsync();
        await _scope.DisposeAsync();
    }

    /// <summary>A browser-like client for <paramref name="host"/> that reaches 127.0.0.1:<paramref name="port"/> whatever the name resolves to.</summary>
    private static HttpClient Client(string host, int port) => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = true,
        CookieContainer = new CookieContainer(),
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    {
        BaseAddress = new Uri($"http://{host}:{port}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    [Fact]
    public async Task A_session_works_on_both_nodes_a_new_tenant_reaches_both_within_a_second_and_one_node_killed_loses_nothing()
    {
        var browser = Client("tbwa.localhost", _nginx.Port);
        var signIn = await WebPlatform.PostFormAsync(browser, "/login", "/login", new Dictionary<string, string>
        {
            ["login"] = "admin",
            ["password"] = _scope.Get<AdminPassword>().For("tbwa").Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);

        // Round robin: the session cookie issued by one node is honoured by the other (keys in the platform database).
        var upstreams = new HashSet<string>();
        for (var i = 0; i < 10; i++)
        {
            var page = await browser.GetAsync("/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            upstreams.Add(page.Headers.GetValues("X-Upstream").Single());
        }
        Assert.True(upstreams.SetEquals([$"127.0.0.1:{_first.Port}", $"127.0.0.1:{_second.Port}"]), string.Join(", ", upstreams));

        // A tenant provisioned by the operator (another process) is routed by each node within a second of its commit.
        Assert.Equal(0, (await _scope.CliAsync("tenant", "create", "twonode", "--name", "Two Node Inc")).ExitCode);
        Assert.Equal(0, (await _scope.CliAsync("tenant", "provision", "twonode", "--no-verify")).ExitCode);
        var committed = Stopwatch.StartNew();
        foreach (var node in new[] { _first, _second })
        {
            using var direct = Client("twonode.localhost", node.Port);
            while ((await direct.GetAsync("/login")).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(committed.Elapsed < TimeSpan.FromSeconds(1), $"node {node.Port} did not route the new tenant within a second");
                await Task.Delay(10);
            }
        }

        // One node killed: nginx sends everything to the other, the session still holds, no request fails.
        _first.Kill();
        for (var i = 0; i < 20; i++)
        {
            var page = await browser.GetAsync("/");
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"request {i} after the kill: {(int)page.StatusCode}\n{_second.Output}");
            Assert.Equal($"127.0.0.1:{_second.Port}", page.Headers.GetValues("X-Upstream").Last().Split(", ")[^1]);
        }
    }
}
