using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using InsightPulse.Bench;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace InsightPulse.Web.Tests;

/// <summary>
/// PostgreSQL stopped as <c>pg_ctl restart -m fast</c> stops it, under HTTP load across three tenants (one `ipai serve`
/// process, every worker writing expense reports and reading its tenant's list): while it is down requests answer 503
/// fast, within 5 s of it taking connections again every tenant writes again, and every write a 302 acknowledged,
/// before or after, is in the tenant's store; no page ever shows another tenant's report.
/// </summary>
[Collection(Lanes.Http)]
public sealed class OutageUnderLoadTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly (string Code, string Host)[] Tenants = [("tbwa", "tbwa.localhost"), ("scout", "scout.localhost"), ("outage", "outage.localhost")];
    private const int WorkersPerTenant = 3;
    private static readonly TimeSpan Down = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan FailFast = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Recovery = TimeSpan.FromSeconds(5);

    private PlatformScope _scope = null!;
    private ServeProcess _node = null!;

    public async Task InitializeAsync()
    {
        _scope = await PlatformScope.CreateAsync(postgres);
        Assert.DoesNotContain(await _scope.UpAndProvisionAsync(), s => s.Failed);
        // A third tenant with the finance module, besides the seeds that have it (the platform tenant has none).
        Assert.Equal(0, (await _scope.CliAsync("tenant", "create", "outage", "--name", "Outage Inc")).ExitCode);
        var installed = await _scope.CliAsync("tenant", "install", "outage", "ipai_finance_ppm");
        Assert.True(installed.ExitCode == 0, installed.ToString());
        _node = await ServeProcess.StartAsync(_scope.Settings);
    }

    public async Task DisposeAsync()
    {
        if (_node is not null) await _node.DisposeAsync();
        await _scope.DisposeAsync();
    }

    /// <summary>One tenant's signed-in client, the form token its workers post with, and the project their reports are for.</summary>
    private sealed record TenantLoad(string Code, HttpClient Client, string Token, long Project);

    /// <summary>One request of the load: when it started (since the load began), how long it took, its status (0: no answer), and the report a 302 acknowledged.</summary>
    private sealed record Outcome(string Tenant, string Kind, TimeSpan At, TimeSpan Took, int Status, string? Marker, string? Body);

    [Fact]
    public async Task A_restart_under_load_answers_503_fast_recovers_within_5_s_and_loses_no_acknowledged_write()
    {
        var loads = new List<TenantLoad>();
        foreach (var (code, host) in Tenants)
        {
            var client = LoopbackHttp.Client(host, _node.Port);
            Assert.Equal(HttpStatusCode.Redirect, (await WebPlatform.SignInAsync(client, "admin", _scope.Get<AdminPassword>().For(code).Password)).StatusCode);
            var agency = await FinancePagesTests.CreateAgencyAsync(client, $"OUT-{code.ToUpperInvariant()}");
            var project = await FinancePagesTests.CreateProjectAsync(client, agency, $"OUT-{code.ToUpperInvariant()}-P", "100000");
            loads.Add(new TenantLoad(code, client, await WebPlatform.FormTokenAsync(client, "/finance/expenses"), project));
        }

        var outcomes = new ConcurrentQueue<Outcome>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var workers = loads.SelectMany(load => Enumerable.Range(0, WorkersPerTenant).Select(w => WorkAsync(load, w, clock, outcomes, stop.Token))).ToList();

        await Task.Delay(TimeSpan.FromSeconds(2));
        var stopping = clock.Elapsed;
        await postgres.RestartAsync(Down);
        var back = clock.Elapsed;
        await Task.Delay(Recovery + TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        var all = outcomes.ToList();
        output.WriteLine($"{all.Count} requests; server stopped at {stopping.TotalSeconds:0.00} s, taking connections again at {back.TotalSeconds:0.00} s");
        foreach (var group in all.GroupBy(o => (o.Kind, o.Status)).OrderBy(g => g.Key))
        {
            output.WriteLine($"  {group.Key.Kind} {group.Key.Status}: {group.Count()}, slowest {group.Max(o => o.Took).TotalMilliseconds:0} ms");
        }

        // Only these answers: a write acknowledged (302), a page (200), or unavailable (503). Never a 500 or a cut connection.
        var unexpected = all.Where(o => o.Status is not (302 or 200 or 503)).ToList();
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} unexpected answer(s), e.g. {unexpected.FirstOrDefault()}\n{_node.Output[^Math.Min(_node.Output.Length, 4000)..]}");

        // The outage was seen, and each of its answers came fast.
        var unavailable = all.Where(o => o.Status == 503).ToList();
        Assert.NotEmpty(unavailable);
        Assert.True(unavailable.All(o => o.Took < FailFast), $"a 503 took {unavailable.Max(o => o.Took).TotalMilliseconds:0} ms");

        // Every tenant writes again within 5 s of the server taking connections.
        foreach (var load in loads)
        {
            var firstWrite = all.Where(o => o.Tenant == load.Code && o.Status == 302 && o.At >= back).Select(o => o.At + o.Took).DefaultIfEmpty(TimeSpan.MaxValue).Min();
            Assert.True(firstWrite - back <= Recovery, $"{load.Code} wrote again {(firstWrite == TimeSpan.MaxValue ? "never" : $"{(firstWrite - back).TotalSeconds:0.00} s")} after the server was back");
        }

        // Every acknowledged write is in its tenant's store (read through the production path, as the runtime role, on
        // fresh services: the scope's pools held sessions the restart ended).
        await using var services = _scope.NewServices();
        var data = services.GetRequiredService<TenantDataAccess>();
        foreach (var load in loads)
        {
            var acknowledged = all.Where(o => o.Tenant == load.Code && o.Status == 302).Select(o => o.Marker!).ToHashSet(StringComparer.Ordinal);
            var tenant = await services.GetRequiredService<TenantRegistry>().GetAsync(load.Code, CancellationToken.None);
            var stored = (await data.ReadAsync<string>(tenant, TenantStore.Schema,
                "SELECT employee_name FROM ppm_expense_report WHERE employee_name LIKE 'Load %'", null, CancellationToken.None)).ToHashSet(StringComparer.Ordinal);
            var lost = acknowledged.Except(stored).ToList();
            output.WriteLine($"{load.Code}: {acknowledged.Count} writes acknowledged, {stored.Count} stored");
            Assert.True(acknowledged.Count > 0, $"{load.Code} acknowledged no write");
            Assert.True(lost.Count == 0, $"{load.Code} lost {lost.Count} acknowledged write(s), e.g. {lost.FirstOrDefault()}");
            Assert.All(stored, s => Assert.StartsWith($"Load {load.Code} ", s, StringComparison.Ordinal));
        }
    }

    /// <summary>Writes a report and reads the list, over and over until <paramref name="stop"/>; records every answer.</summary>
    private static async Task WorkAsync(TenantLoad load, int worker, Stopwatch clock, ConcurrentQueue<Outcome> outcomes, CancellationToken stop)
    {
        await Task.Yield();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var marker = $"Load {load.Code} {worker} {i}";
            var write = await SendAsync(load, clock, "write", marker, () => load.Client.PostAsync("/finance/expenses", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = load.Token,
                ["project_id"] = load.Project.ToString(CultureInfo.InvariantCulture),
                ["employee_name"] = marker,
                ["period"] = "2026-11",
            })));
            outcomes.Enqueue(write);
            var read = await SendAsync(load, clock, "read", null, () => load.Client.GetAsync("/finance/expenses"));
            outcomes.Enqueue(read);
            if (read.Status == 200)
            {
                // No other tenant's report on this tenant's list, under load and across the restart.
                foreach (var (other, _) in Tenants.Where(t => t.Code != load.Code))
                {
                    if (read.Body!.Contains($"Load {other} ", StringComparison.Ordinal)) outcomes.Enqueue(read with { Kind = "cross-tenant", Status = -1, Marker = other });
                }
            }
            if (write.Status == 503 || read.Status == 503) await Task.Delay(50, CancellationToken.None);
        }
    }

    private static async Task<Outcome> SendAsync(TenantLoad load, Stopwatch clock, string kind, string? marker, Func<Task<HttpResponseMessage>> send)
    {
        var at = clock.Elapsed;
        try
        {
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            return new Outcome(load.Code, kind, at, clock.Elapsed - at, (int)response.StatusCode, marker,
                response.StatusCode is HttpStatusCode.OK ? body : body[..Math.Min(body.Length, 300)]);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return new Outcome(load.Code, kind, at, clock.Elapsed - at, 0, marker, e.Message);
        }
    }
}
