using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Npgsql;

namespace InsightPulse.Bench;

/// <summary>
/// <c>bench soak</c>: one `ipai serve` process (a child of this one, so that its memory is its own) under mixed load
/// for a while: signed-in admins of <see cref="Options.Tenants"/> full tenants read, write and delete expense reports, open
/// dashboards and run their charts through guest tokens; meanwhile tenants are created, provisioned, reached and
/// deleted over and over. Every answer is checked to name no other tenant's rows; the node's resident memory and the
/// server's connections are compared between the end of the warm-up and the end of the run. Not in CI: it runs for minutes.
/// </summary>
public sealed partial class SoakBenchmark(
    TenantRegistry registry, TenantModules modules, TenantProvisioner provisioner, TenantArchiver archiver, AdminPassword passwords, PlatformDatabases databases)
{
    public const string CodePrefix = "bench_soak_";
    private const string ChurnPrefix = CodePrefix + "churn_";
    private const string FinanceModule = "ipai_finance_ppm";
    private const string Dashboard = "agency-finance";

    /// <param name="Duration">How long the measured load runs (after <paramref name="Warmup"/>).</param>
    /// <param name="ServeAssembly">The ipai.dll the node runs (this build's).</param>
    public sealed record Options(TimeSpan Duration, TimeSpan Warmup, int Tenants, int Workers, string ServeAssembly)
    {
        public IReadOnlyList<string> Problems()
        {
            var problems = new List<string>();
            if (Duration < TimeSpan.FromSeconds(10)) problems.Add("--minutes must give at least 10 seconds of load.");
            if (Tenants is < 2 or > 50) problems.Add("--tenants must be 2 to 50 (cross-tenant checks need two).");
            if (Workers is < 1 or > 64) problems.Add("--workers must be 1 to 64.");
            return problems;
        }
    }

    /// <summary>What one request was for, and how it ended.</summary>
    private enum Kind { List, Write, Projects, Dashboard, Chart }

    public async Task<SoakResult> RunAsync(Options options, Action<string>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var leftovers = await archiver.DeleteAllAsync(CodePrefix, count => progress?.Invoke($"dropping {count} tenant(s) a killed soak left"), cancellationToken);
        var tenants = new List<Tenant>();
        for (var i = 1; i <= options.Tenants; i++)
        {
            tenants.Add(await CreateTenantAsync(CodePrefix + i.ToString("D2", CultureInfo.InvariantCulture), $"Soak tenant {i:D2}", cancellationToken));
        }
        progress?.Invoke($"{tenants.Count} soak tenant(s) provisioned (finance and BI modules)");
        try
        {
            await using var node = await SoakNode.StartAsync(options.ServeAssembly, cancellationToken);
            progress?.Invoke($"ipai serve (pid {node.Pid}) ready on port {node.Port}");
            var loads = new List<TenantLoad>();
            foreach (var tenant in tenants) loads.Add(await TenantLoad.SignInAsync(tenant, node.Port, passwords.For(tenant.Code).Password, cancellationToken));

            var counts = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var crossTenant = new ConcurrentQueue<string>();
            var failures = new ConcurrentQueue<string>();
            var churned = 0;
            using var stopLoad = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var workers = Enumerable.Range(0, options.Workers)
                .Select(w => Task.Run(() => WorkAsync(loads, w, counts, crossTenant, failures, stopLoad.Token), CancellationToken.None)).ToList();
            var churn = Task.Run(async () =>
            {
                for (var i = 1; !stopLoad.IsCancellationRequested; i++)
                {
                    await ChurnOnceAsync(ChurnPrefix + i.ToString("D6", CultureInfo.InvariantCulture), node.Port, counts, failures, stopLoad.Token);
                    churned = i;
                }
            }, CancellationToken.None);

            await Task.Delay(options.Warmup, cancellationToken);
            var start = new SoakSample(TimeSpan.Zero, node.ResidentBytes(), await ConnectionsAsync(cancellationToken));
            progress?.Invoke($"warm-up done: node {start.ResidentBytes / 1048576.0:0.0} MiB resident, {start.Connections} server connection(s); load for {options.Duration.TotalMinutes:0.#} min");
            var samples = new List<SoakSample> { start };
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < options.Duration)
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(15, Math.Max(1, (options.Duration - clock.Elapsed).TotalSeconds))), cancellationToken);
                var sample = new SoakSample(clock.Elapsed, node.ResidentBytes(), await ConnectionsAsync(cancellationToken));
                samples.Add(sample);
                progress?.Invoke($"{sample.At.TotalMinutes:0.0} min: {counts.Values.Sum():N0} requests, {churned} churn cycle(s), node {sample.ResidentBytes / 1048576.0:0.0} MiB, {sample.Connections} connection(s)");
            }
            await stopLoad.CancelAsync();
            await Task.WhenAll(workers);
            await churn;
            // The node's pools keep their sessions for a while: the end's connections are read like the start's, after the same load.
            var end = samples[^1];
            return new SoakResult(
                options.Duration.TotalSeconds, options.Warmup.TotalSeconds, options.Tenants, options.Workers, Environment.ProcessorCount,
                Select(counts, own: false), Select(counts, own: true),
                counts.Where(c => Regex.IsMatch(c.Key, " 5[0-9][0-9]$") || c.Key.EndsWith(" failed", StringComparison.Ordinal)).Sum(c => c.Value),
                crossTenant.Count, crossTenant.Take(5).ToList(), [.. failures], churned,
                start.ResidentBytes, end.ResidentBytes, samples.Max(s => s.ResidentBytes), start.Connections, end.Connections, samples.Max(s => s.Connections),
                samples, leftovers);
        }
        finally
        {
            await archiver.DeleteAllAsync(CodePrefix, count => progress?.Invoke($"dropping the {count} soak tenant(s)"), CancellationToken.None);
        }
    }

    /// <summary>The request counts by outcome (<paramref name="own"/>: false), or the answers that carried their tenant's own rows (true).</summary>
    private static Dictionary<string, long> Select(ConcurrentDictionary<string, long> counts, bool own) =>
        counts.Where(c => c.Key.EndsWith(OwnRows, StringComparison.Ordinal) == own).OrderBy(c => c.Key, StringComparer.Ordinal)
            .ToDictionary(c => own ? c.Key[..^OwnRows.Length] : c.Key, c => c.Value, StringComparer.Ordinal);

    private const string OwnRows = " with own rows";

    private async Task<Tenant> CreateTenantAsync(string code, string name, CancellationToken cancellationToken)
    {
        var host = TenantHosts.DevelopmentHost(code, TenantHosts.DefaultDevelopmentSuffix)!;
        await registry.CreateAsync(Tenant.New(code, name) with { PrimaryDomain = host }, cancellationToken);
        await modules.AddAsync(code, FinanceModule, cancellationToken);
        await provisioner.ProvisionAsync(code, new TenantProvisioner.Options(), null, null, cancellationToken);
        return await registry.GetAsync(code, cancellationToken);
    }

    /// <summary>One cycle of churn: a tenant created, provisioned, its sign-in page served by the node, then deleted.</summary>
    private async Task ChurnOnceAsync(string code, int port, ConcurrentDictionary<string, long> counts, ConcurrentQueue<string> failures, CancellationToken cancellationToken)
    {
        try
        {
            var tenant = await CreateTenantAsync(code, "Soak churn", cancellationToken);
            using var client = LoopbackHttp.Client(tenant.PrimaryDomain!, port);
            var routed = Stopwatch.StartNew();
            HttpStatusCode status;
            while ((status = (await client.GetAsync("/login", cancellationToken)).StatusCode) != HttpStatusCode.OK && routed.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(20, cancellationToken);
            }
            counts.AddOrUpdate($"churn login {(int)status}", 1, (_, n) => n + 1);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // the run ended mid-cycle: the tenant goes below
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperatorException or NpgsqlException)
        {
            Failed("churn failed", e, counts, failures);
        }
        try
        {
            await archiver.DeleteAllAsync(code, null, CancellationToken.None);
        }
        catch (Exception e) when (e is OperatorException or NpgsqlException or InvalidOperationException)
        {
            Failed("churn delete failed", e, counts, failures);
        }
    }

    /// <summary>Counts a failure under <paramref name="key"/> and keeps the first few messages (the report names them).</summary>
    private static void Failed(string key, Exception error, ConcurrentDictionary<string, long> counts, ConcurrentQueue<string> failures)
    {
        counts.AddOrUpdate(key, 1, (_, n) => n + 1);
        if (failures.Count < 10) failures.Enqueue($"{key}: {error.GetType().Name}: {error.Message}");
    }

    /// <summary>One worker: rotates over the tenants and over the kinds of request until <paramref name="stop"/>.</summary>
    private static async Task WorkAsync(IReadOnlyList<TenantLoad> loads, int worker, ConcurrentDictionary<string, long> counts, ConcurrentQueue<string> crossTenant,
        ConcurrentQueue<string> failures, CancellationToken stop)
    {
        var kinds = Enum.GetValues<Kind>();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var load = loads[(worker + i) % loads.Count];
            var kind = kinds[(worker + i / loads.Count) % kinds.Length];
            string outcome;
            try
            {
                var (status, body) = await load.SendAsync(kind, $"Soak {load.Tenant.Code} {worker} {i}", stop);
                outcome = ((int)status).ToString(CultureInfo.InvariantCulture);
                // Which answers carried this tenant's own rows: the cross-tenant check below means something only for those.
                if (body.Contains(load.RowsMarker, StringComparison.Ordinal)) counts.AddOrUpdate(kind.ToString().ToLowerInvariant() + OwnRows, 1, (_, n) => n + 1);
                foreach (var other in loads.Where(l => l != load))
                {
                    if (body.Contains(other.Tenant.Name, StringComparison.Ordinal) || body.Contains($"Soak {other.Tenant.Code} ", StringComparison.Ordinal)
                        || body.Contains(other.RowsMarker, StringComparison.Ordinal))
                    {
                        crossTenant.Enqueue($"{kind} of {load.Tenant.Code} showed {other.Tenant.Code}'s rows");
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                outcome = "failed";
                if (failures.Count < 10) failures.Enqueue($"{kind}: {e.GetType().Name}: {e.Message}");
            }
            counts.AddOrUpdate($"{kind.ToString().ToLowerInvariant()} {outcome}", 1, (_, n) => n + 1);
        }
    }

    /// <summary>
    /// The server's sessions of a role in a database (the node's pools and this process's), every role's: the owner is no
    /// member of pg_read_all_stats, so it sees no <c>backend_type</c> of another role's session (runs 1 to 4 filtered on
    /// it and counted the owner's sessions alone), but it sees <c>usesysid</c> and <c>datname</c>, which the server's own
    /// processes (autovacuum, the launchers) lack.
    /// </summary>
    private async Task<int> ConnectionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await databases.Maintenance(FleetServer.Home).OpenConnectionAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT count(*) FROM pg_stat_activity WHERE usesysid IS NOT NULL AND datname IS NOT NULL AND pid <> pg_backend_pid()", cancellationToken: cancellationToken));
    }

    /// <summary>One tenant's signed-in admin: its client, form token, dashboard, and the marker its rows carry.</summary>
    private sealed partial class TenantLoad(Tenant tenant, HttpClient client, string formToken, string dashboardToken, string embeddedUuid, long project, string rowsMarker)
    {
        public Tenant Tenant { get; } = tenant;
        /// <summary>In every row of this tenant's agency and project (their code, name): what its answers carry and no other tenant's may.</summary>
        public string RowsMarker { get; } = rowsMarker;

        public static async Task<TenantLoad> SignInAsync(Tenant tenant, int port, string password, CancellationToken cancellationToken)
        {
            var client = LoopbackHttp.Client(tenant.PrimaryDomain!, port);
            var signIn = await PostFormAsync(client, "/login", "/login", new() { ["login"] = "admin", ["password"] = password }, cancellationToken);
            if (signIn.StatusCode != HttpStatusCode.Redirect) throw new HttpBenchmarkException($"{tenant.Code}: sign-in answered {(int)signIn.StatusCode}");
            var code = $"SOAK-{tenant.Code[CodePrefix.Length..].ToUpperInvariant()}";
            await PostFormAsync(client, "/finance/agencies", "/finance/agencies", new()
            {
                ["code"] = code, ["name"] = $"{code} agency", ["tin"] = "900-000-000-000", ["registered_address"] = "Makati City",
            }, cancellationToken);
            var agency = IdOf(await client.GetStringAsync("/finance/agencies", cancellationToken), "agencies", code);
            await PostFormAsync(client, "/finance/projects", "/finance/projects", new()
            {
                ["agency_id"] = agency, ["code"] = code + "-P", ["name"] = $"{code} project", ["budget_amount"] = "1000000", ["currency"] = "PHP", ["state"] = "active",
            }, cancellationToken);
            var project = long.Parse(IdOf(await client.GetStringAsync("/finance/projects", cancellationToken), "projects", code + "-P"), CultureInfo.InvariantCulture);
            var dashboard = await client.GetStringAsync($"/dashboards/{Dashboard}", cancellationToken);
            return new TenantLoad(tenant, client, await FormTokenAsync(client, "/finance/expenses", cancellationToken),
                WebUtility.HtmlDecode(AntiforgeryAttribute().Match(dashboard).Groups[1].Value), EmbeddedAttribute().Match(dashboard).Groups[1].Value, project, code);
        }

        public async Task<(HttpStatusCode Status, string Body)> SendAsync(Kind kind, string marker, CancellationToken cancellationToken)
        {
            using var response = kind switch
            {
                Kind.List => await client.GetAsync("/finance/expenses", cancellationToken),
                Kind.Projects => await client.GetAsync("/finance/projects", cancellationToken),
                Kind.Write => await WriteAsync(marker, cancellationToken),
                Kind.Dashboard => await client.GetAsync($"/dashboards/{Dashboard}", cancellationToken),
                _ => await ChartAsync(cancellationToken),
            };
            return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        }

        /// <summary>
        /// A report written, then deleted by a second request: both are writes, and the tenant's data keeps its size (a list
        /// page growing with every report written would grow the node's memory with it, whatever the node does).
        /// </summary>
        private async Task<HttpResponseMessage> WriteAsync(string marker, CancellationToken cancellationToken)
        {
            using var created = await client.PostAsync("/finance/expenses", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["__RequestVerificationToken"] = formToken, ["project_id"] = project.ToString(CultureInfo.InvariantCulture),
                ["employee_name"] = marker, ["period"] = "2026-11",
            }), cancellationToken);
            if (created.StatusCode != HttpStatusCode.Redirect) return Copy(created);
            return await client.PostAsync($"{created.Headers.Location!.OriginalString}/delete",
                new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = formToken }), cancellationToken);
        }

        /// <summary>A guest token for the dashboard, its definition, and one chart's data, as the embedded page asks for them.</summary>
        private async Task<HttpResponseMessage> ChartAsync(CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/dashboards/{Dashboard}/guest-token") { Headers = { { "RequestVerificationToken", dashboardToken } } };
            using var issued = await client.SendAsync(request, cancellationToken);
            if (issued.StatusCode != HttpStatusCode.OK) return Copy(issued);
            var token = (await issued.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
            using var definitionRequest = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/dashboard/{embeddedUuid}") { Headers = { { "X-GuestToken", token } } };
            using var definition = await client.SendAsync(definitionRequest, cancellationToken);
            if (definition.StatusCode != HttpStatusCode.OK) return Copy(definition);
            var result = (await definition.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("result");
            var data = new HttpRequestMessage(HttpMethod.Post, "/api/v1/chart/data")
            {
                Headers = { { "X-GuestToken", token } },
                Content = JsonContent.Create(new { dashboard_id = result.GetProperty("id").GetInt64(), chart_id = ChartId(result, ChartKey) }),
            };
            return await client.SendAsync(data, cancellationToken);
        }

        /// <summary>The chart the soak runs: the budget table, whose rows name each project (so a row of another tenant's would show).</summary>
        private const string ChartKey = "budget_status";

        private static long ChartId(JsonElement dashboard, string key) =>
            dashboard.GetProperty("charts").EnumerateArray().First(c => c.GetProperty("key").GetString() == key).GetProperty("id").GetInt64();

        private static HttpResponseMessage Copy(HttpResponseMessage response) => new(response.StatusCode) { Content = new StringContent("") };

        private static async Task<string> FormTokenAsync(HttpClient client, string path, CancellationToken cancellationToken)
        {
            var match = TokenField().Match(await client.GetStringAsync(path, cancellationToken));
            if (!match.Success) throw new HttpBenchmarkException($"no form token on {path}");
            return WebUtility.HtmlDecode(match.Groups[1].Value);
        }

        private static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string page, string action, Dictionary<string, string> fields, CancellationToken cancellationToken)
        {
            fields["__RequestVerificationToken"] = await FormTokenAsync(client, page, cancellationToken);
            return await client.PostAsync(action, new FormUrlEncodedContent(fields), cancellationToken);
        }

        private static string IdOf(string page, string kind, string code)
        {
            var match = Regex.Match(page, $"href=\"/finance/{kind}/(\\d+)\">{Regex.Escape(code)}<");
            return match.Success ? match.Groups[1].Value : throw new HttpBenchmarkException($"{code} is not in the {kind} list");
        }

        [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
        private static partial Regex TokenField();

        [GeneratedRegex("data-antiforgery=\"([^\"]+)\"")]
        private static partial Regex AntiforgeryAttribute();

        [GeneratedRegex("data-embedded-uuid=\"([0-9a-f-]{36})\"")]
        private static partial Regex EmbeddedAttribute();
    }

    /// <summary>
    /// The node under soak: `dotnet ipai.dll serve` on a free loopback port with this process's settings (environment
    /// and working folder), its guest-token and API rate limits raised (the soak's one client address makes more than a
    /// visitor may). Disposing stops it.
    /// </summary>
    private sealed class SoakNode : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<string> _lines = new();

        /// <summary>Keeps the node's last 40 lines of output, for the error if it does not start.</summary>
        private void Remember(string? line)
        {
            if (line is null) return;
            _lines.Enqueue(line);
            while (_lines.Count > 40) _lines.TryDequeue(out _);
        }

        private SoakNode(Process process, int port)
        {
            _process = process;
            Port = port;
        }

        public int Port { get; }
        public int Pid => _process.Id;

        public static async Task<SoakNode> StartAsync(string assembly, CancellationToken cancellationToken)
        {
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in new[] { assembly, "serve", "--urls", $"http://127.0.0.1:{port}" }) info.ArgumentList.Add(argument);
            info.Environment["Web__GuestTokensPerMinute"] = "100000";
            info.Environment["Web__ApiRequestsPerMinute"] = "100000";
            info.Environment["Logging__LogLevel__Default"] = "Warning";
            var node = new SoakNode(Process.Start(info) ?? throw new HttpBenchmarkException("could not start ipai serve"), port);
            node._process.OutputDataReceived += (_, e) => node.Remember(e.Data);
            node._process.ErrorDataReceived += (_, e) => node.Remember(e.Data);
            node._process.BeginOutputReadLine();
            node._process.BeginErrorReadLine();
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(90); await Task.Delay(250, cancellationToken))
            {
                if (node._process.HasExited) break;
                try
                {
                    if ((await client.GetAsync("/readyz", cancellationToken)).IsSuccessStatusCode) return node;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    // still starting
                }
            }
            await node.DisposeAsync();
            throw new HttpBenchmarkException($"ipai serve did not become ready within 90 s; its last lines:\n{string.Join('\n', node._lines)}");
        }

        /// <summary>The node's resident set (VmRSS) in bytes.</summary>
        public long ResidentBytes()
        {
            var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            _process.Dispose();
        }
    }
}

/// <summary>One reading of the node: when (since the warm-up ended), its resident memory, the server's client sessions.</summary>
public sealed record SoakSample(TimeSpan At, long ResidentBytes, int Connections);

/// <summary>The figures of one <c>bench soak</c> run (<c>--json</c> prints them).</summary>
public sealed record SoakResult(
    double DurationSeconds, double WarmupSeconds, int Tenants, int Workers, int Processors,
    IReadOnlyDictionary<string, long> Requests, IReadOnlyDictionary<string, long> AnswersWithOwnRows, long ServerErrors, int CrossTenantResponses, IReadOnlyList<string> CrossTenantExamples, IReadOnlyList<string> Failures, int ChurnCycles,
    long ResidentBytesStart, long ResidentBytesEnd, long ResidentBytesMax, int ConnectionsStart, int ConnectionsEnd, int ConnectionsMax,
    IReadOnlyList<SoakSample> Samples, int LeftoversDropped);
