using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using InsightPulse.Bench;
using InsightPulse.Core.Isolation;
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

    [Fact]
    public async Task A_session_works_on_both_nodes_a_new_tenant_reaches_both_within_a_second_and_one_node_killed_loses_nothing()
    {
        var browser = LoopbackHttp.Client("tbwa.localhost", _nginx.Port);
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
            using var direct = LoopbackHttp.Client("twonode.localhost", node.Port);
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

    /// <summary>One line posted under load: when (since the load began), the status nginx gave (0: no answer), the node that answered.</summary>
    private sealed record LinePost(string Description, TimeSpan At, int Status, string Upstream);

    [Fact]
    public async Task A_node_killed_under_write_load_cuts_only_its_requests_in_flight_and_leaves_no_half_written_report()
    {
        var browser = LoopbackHttp.Client("tbwa.localhost", _nginx.Port);
        Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(browser, "admin", _scope.Get<AdminPassword>().For("tbwa").Password)).StatusCode);
        var agency = await FinancePagesTests.CreateAgencyAsync(browser, "KILL-AG");
        var project = await FinancePagesTests.CreateProjectAsync(browser, agency, "KILL-P", "100000000");
        var created = await WebPlatform.PostFormAsync(browser, "/finance/expenses", "/finance/expenses", new Dictionary<string, string>
        {
            ["project_id"] = project.ToString(CultureInfo.InvariantCulture),
            ["employee_name"] = "Kill Load",
            ["period"] = "2025-06",
        });
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var report = created.Headers.Location!.OriginalString.Split('/')[^1];
        var token = await WebPlatform.FormTokenAsync(browser, $"/finance/expenses/{report}");

        // Eight writers add lines to one report through nginx; the first node is killed (SIGKILL) in the middle of it.
        var posts = new ConcurrentQueue<LinePost>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var description = $"Kill line {w} {i}";
                var at = clock.Elapsed;
                try
                {
                    using var response = await browser.PostAsync($"/finance/expenses/{report}/lines", new FormUrlEncodedContent(new Dictionary<string, string>
                    {
                        ["__RequestVerificationToken"] = token,
                        ["line_date"] = "2025-06-12",
                        ["description"] = description,
                        ["vendor_name"] = "Kusina Corp.",
                        ["vendor_tin"] = "111-222-333-000",
                        ["category"] = "production",
                        ["gross_amount"] = "1120.00",
                        ["vat_amount"] = "120.00",
                        ["atc_code"] = "WC158",
                        ["withholding_rate"] = "",
                    }));
                    var upstream = response.Headers.TryGetValues("X-Upstream", out var names) ? names.Last().Split(", ")[^1] : "";
                    posts.Enqueue(new LinePost(description, at, (int)response.StatusCode, upstream));
                }
                catch (HttpRequestException)
                {
                    posts.Enqueue(new LinePost(description, at, 0, ""));
                }
            }
        })).ToList();
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var killing = clock.Elapsed;
        _first.Kill();
        var killedAt = clock.Elapsed; // Kill returns once the process is gone (it walks the process tree first: not instant on a busy machine)
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var all = posts.ToList();
        var first = $"127.0.0.1:{_first.Port}";
        var second = $"127.0.0.1:{_second.Port}";
        Assert.Contains(all, p => p.Status == 302 && p.Upstream == first && p.At < killing);
        // Only the requests the killed node held could fail (502 from nginx, or no answer); a second after the kill every
        // write is acknowledged by the other node.
        var failed = all.Where(p => p.Status != 302).ToList();
        Assert.All(failed, p => Assert.True(p.Status is 502 or 0 && (p.Upstream.Length == 0 || p.Upstream == first) && p.At < killedAt + TimeSpan.FromSeconds(0.5),
            $"{p}: the first node ({first}) was killed from {killing.TotalSeconds:0.00} s to {killedAt.TotalSeconds:0.00} s"));
        var after = all.Where(p => p.At > killedAt + TimeSpan.FromSeconds(1)).ToList();
        Assert.NotEmpty(after);
        Assert.All(after, p => Assert.True(p.Status == 302 && p.Upstream == second, $"{p}"));

        // Every acknowledged line is stored; a cut one is stored whole or not at all; the report's totals are its lines'.
        var tenant = await _scope.Registry.GetAsync("tbwa", CancellationToken.None);
        var data = _scope.Get<TenantDataAccess>();
        var stored = (await data.ReadAsync<(string Description, decimal Gross, decimal Vat)>(tenant, TenantStore.Schema,
            "SELECT description, gross_amount, vat_amount FROM ppm_expense_line WHERE report_id = @report", new { report = long.Parse(report, CultureInfo.InvariantCulture) },
            CancellationToken.None)).ToList();
        var acknowledged = all.Where(p => p.Status == 302).Select(p => p.Description).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(acknowledged.Except(stored.Select(l => l.Description), StringComparer.Ordinal));
        Assert.All(stored, l => Assert.True(l.Gross == 1120.00m && l.Vat == 120.00m && all.Any(p => p.Description == l.Description), $"{l}"));
        var page = await browser.GetStringAsync($"/finance/expenses/{report}");
        Assert.Contains((stored.Count * 1120.00m).ToString("#,0.00", CultureInfo.InvariantCulture), page, StringComparison.Ordinal);
        Console.WriteLine($"{all.Count} lines posted, {acknowledged.Count} acknowledged, {failed.Count} cut by the kill ({stored.Count - acknowledged.Count} of them committed before the cut)");
    }
}
