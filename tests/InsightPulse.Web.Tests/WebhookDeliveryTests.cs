using System.Text.Json;
using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Events;
using InsightPulse.Core.Modules;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Web.Events;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InsightPulse.Web.Tests;

/// <summary>
/// schema_changed events delivered by two web nodes on one platform: exactly one dispatcher at a time, each event
/// delivered once, signed, retried after 500s; a webhook that keeps failing pauses itself and holds up no other.
/// </summary>
[Collection(Lanes.Http)]
public sealed class WebhookDeliveryTests(PostgresFixture postgres) : IAsyncLifetime
{
    private PlatformScope _platform = null!;
    private readonly List<WebApplicationFactory<WebApp>> _nodes = [];
    private readonly List<WebhookReceiver> _receivers = [];

    public async Task InitializeAsync()
    {
        _platform = await PlatformScope.CreateAsync(postgres);
        Assert.DoesNotContain(await _platform.UpAndProvisionAsync(), s => s.Failed);
        for (var i = 0; i < 2; i++)
        {
            var node = new WebApplicationFactory<WebApp>().WithWebHostBuilder(builder =>
            {
                foreach (var (key, value) in _platform.Settings) builder.UseSetting(key, value);
                builder.UseSetting("Events:PollSeconds", "0.1");
                builder.UseSetting("Events:RetryBaseSeconds", "0.05");
                builder.UseSetting("Events:RetryMaxSeconds", "0.2");
                builder.ConfigureLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
            });
            _ = node.Server;
            _nodes.Add(node);
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        foreach (var receiver in _receivers) await receiver.DisposeAsync();
        await _platform.DisposeAsync();
    }

    private async Task<WebhookReceiver> ReceiverAsync()
    {
        var receiver = await WebhookReceiver.StartAsync();
        _receivers.Add(receiver);
        return receiver;
    }

    /// <summary>A secret in this process's environment under a name of its own, as an operator would export it.</summary>
    private static (string Name, string Value) Secret()
    {
        var name = "IPAI_TEST_WEBHOOK_" + Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var value = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        Environment.SetEnvironmentVariable(name, value);
        return (name, value);
    }

    private async Task<long> AddWebhookAsync(string url, string secretName, params string[] extra)
    {
        var added = await _platform.CliAsync(["webhook", "add", url, "--events", "schema_changed", "--secret-env", secretName, .. extra, "--json"]);
        Assert.True(added.ExitCode == 0, added.ToString());
        return added.Json().GetProperty("id").GetInt64();
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}");
            await Task.Delay(100);
        }
    }

    private async Task<List<long>> EventsSinceAsync(long after)
    {
        await using var platform = await _platform.OpenPlatformAsync();
        return (await platform.QueryAsync<long>("SELECT id FROM ipai_schema_event WHERE id > @after ORDER BY id", new { after })).ToList();
    }

    private async Task<long> LastEventAsync()
    {
        await using var platform = await _platform.OpenPlatformAsync();
        return await platform.ExecuteScalarAsync<long?>("SELECT max(id) FROM ipai_schema_event") ?? 0;
    }

    [Fact]
    public async Task Each_event_reaches_the_receiver_once_across_two_nodes_signed_and_retried_after_it_answered_500()
    {
        var receiver = await ReceiverAsync();
        var secret = Secret();
        var webhook = await AddWebhookAsync(receiver.Url, secret.Name);
        receiver.Answer(500, 2);
        var before = await LastEventAsync();

        var install = await _platform.CliAsync("tenant", "install", "platform", "ipai_finance_ppm", "--json");
        Assert.True(install.ExitCode == 0, install.ToString());

        var events = await EventsSinceAsync(before);
        Assert.NotEmpty(events);
        await WaitForAsync(async () =>
        {
            var deliveries = await _platform.Get<WebhookRegistry>().DeliveriesAsync(webhook, 100, CancellationToken.None);
            return deliveries.Count == events.Count && deliveries.All(d => d.State == WebhookDelivery.Succeeded);
        }, "every event delivered");

        // One session of the two nodes holds the dispatcher's lock (the deliveries below prove no event went out twice).
        await using (var platform = await _platform.OpenPlatformAsync())
        {
            Assert.Equal(1, await platform.ExecuteScalarAsync<int>("""
                SELECT count(*) FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND ((classid::bigint << 32) | objid::bigint) = hashtextextended(@key, 0)
                """, new { key = EventDispatcher.LeaderLock }));
        }
        var requests = receiver.Requests.ToList();
        Assert.All(requests, r =>
        {
            Assert.True(WebhookSignature.Verify(secret.Value, r.Body, r.Signature), r.Body);
            Assert.Equal($"Bearer {secret.Value}", r.Authorization);
            Assert.Equal("schema_changed", r.Event);
        });
        // One successful request per event, and none twice.
        var delivered = requests.Where(r => r.Answered == 204)
            .Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("client_payload").GetProperty("event_id").GetString()).ToList();
        Assert.Equal(events.Count, delivered.Count);
        Assert.Equal(delivered.Count, delivered.Distinct().Count());
        // The first delivery was tried three times under one delivery id: 500, 500, then accepted.
        var first = requests.GroupBy(r => r.Delivery).First();
        Assert.Equal([500, 500, 204], first.Select(r => r.Answered));
        var log = (await _platform.Get<WebhookRegistry>().DeliveriesAsync(webhook, 100, CancellationToken.None)).Single(d => d.Id.ToString() == first.Key);
        Assert.Equal([500, 500, 204], log.AttemptLog.Select(a => a.Status));
        Assert.Equal(3, log.Attempts);
        Assert.Equal(Webhook.Active, (await _platform.Get<WebhookRegistry>().GetAsync(webhook, CancellationToken.None)).State);
    }

    /// <summary>This build's catalog with scripts added to the finance module, as a new build would ship them.</summary>
    private ServiceProvider ServicesWithFinanceScripts(params Migration[] scripts) =>
        _platform.NewServices(ModuleCatalog.Embedded.WithScripts("ipai_finance_ppm", scripts));

    [Fact]
    public async Task Migrating_a_tenant_after_a_new_module_script_delivers_one_signed_event_and_its_dataset_gains_the_column()
    {
        var receiver = await ReceiverAsync();
        var secret = Secret();
        await AddWebhookAsync(receiver.Url, secret.Name);
        var before = await LastEventAsync();

        await using (var build = ServicesWithFinanceScripts(new Migration("0003_expense_cost_center.sql", "ALTER TABLE ppm_expense_report ADD COLUMN cost_center text;")))
        {
            var migrated = await build.GetRequiredService<FleetMigrator>().MigrateAsync(["tbwa"], new FleetMigrator.Options(), null, CancellationToken.None);
            Assert.True(migrated.Succeeded);
        }

        var events = await EventsSinceAsync(before);
        Assert.Single(events);
        await WaitForAsync(() => Task.FromResult(!receiver.Requests.IsEmpty), "the delivery");
        await Task.Delay(300); // nothing else comes
        var request = Assert.Single(receiver.Requests);
        Assert.True(WebhookSignature.Verify(secret.Value, request.Body, request.Signature));
        var payload = JsonDocument.Parse(request.Body).RootElement.GetProperty("client_payload");
        Assert.Equal("tbwa", payload.GetProperty("tenant").GetString());
        Assert.Equal(["module:ipai_finance_ppm/0003_expense_cost_center.sql"], payload.GetProperty("scripts").EnumerateArray().Select(e => e.GetString()));

        var dataset = (await _platform.Get<BiMetadata>().DatasetsAsync("tbwa", CancellationToken.None)).Single(d => d.Name == "ppm_expense_report");
        Assert.NotNull(dataset.Column("cost_center"));
        await WaitForAsync(async () =>
        {
            await using var platform = await _platform.OpenPlatformAsync();
            return await platform.ExecuteScalarAsync<string?>("SELECT bi_refresh FROM ipai_schema_event WHERE id = @id", new { id = events[0] }) is { } refreshed
                && refreshed.StartsWith("tbwa:", StringComparison.Ordinal);
        }, "the event's BI refresh");
    }

    [Fact]
    public async Task A_webhook_that_keeps_failing_pauses_itself_and_says_why_while_another_gets_every_event()
    {
        var failing = await ReceiverAsync();
        failing.AlwaysAnswer = 503;
        var healthy = await ReceiverAsync();
        var secret = Secret();
        var broken = await AddWebhookAsync(failing.Url, secret.Name, "--pause-after", "3");
        var working = await AddWebhookAsync(healthy.Url, secret.Name);
        var before = await LastEventAsync();

        Assert.Equal(0, (await _platform.CliAsync("tenant", "create", "hooks_b", "--name", "Hooks B")).ExitCode);
        var provision = await _platform.CliAsync("tenant", "provision", "hooks_b", "--no-verify", "--json");
        Assert.True(provision.ExitCode == 0, provision.ToString());
        var events = await EventsSinceAsync(before);
        Assert.NotEmpty(events);

        var registry = _platform.Get<WebhookRegistry>();
        await WaitForAsync(async () => (await registry.GetAsync(broken, CancellationToken.None)).State == Webhook.Paused, "the failing webhook to pause");
        await WaitForAsync(async () => (await registry.DeliveriesAsync(working, 100, CancellationToken.None)).Count(d => d.State == WebhookDelivery.Succeeded) == events.Count,
            "the healthy webhook to get every event");

        var paused = await registry.GetAsync(broken, CancellationToken.None);
        Assert.Contains("paused after 3 failed attempts in a row", paused.PausedReason, StringComparison.Ordinal);
        Assert.Contains("HTTP 503", paused.PausedReason, StringComparison.Ordinal);
        var attempts = failing.Requests.Count;
        Assert.Equal(3, attempts);
        await Task.Delay(500); // paused: no more attempts
        Assert.Equal(attempts, failing.Requests.Count);

        var list = await _platform.CliAsync("webhook", "list", "--json");
        Assert.Contains(list.Json().EnumerateArray(), w => w.GetProperty("id").GetInt64() == broken && w.GetProperty("state").GetString() == "paused");

        // Resumed, the waiting deliveries go out at once.
        failing.AlwaysAnswer = null;
        Assert.Equal(0, (await _platform.CliAsync("webhook", "resume", broken.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode);
        await WaitForAsync(async () => (await registry.DeliveriesAsync(broken, 100, CancellationToken.None)).All(d => d.State == WebhookDelivery.Succeeded),
            "the resumed webhook's deliveries");
    }

    [Fact]
    public async Task Webhook_test_sends_one_signed_delivery_and_says_what_the_receiver_answered()
    {
        var receiver = await ReceiverAsync();
        var secret = Secret();
        var webhook = await AddWebhookAsync(receiver.Url, secret.Name);
        var id = webhook.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var ok = await _platform.CliAsync("webhook", "test", id, "--json");
        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Equal(204, ok.Json().GetProperty("status").GetInt32());
        Assert.True(receiver.Requests.Count == 1, string.Join("\n", receiver.Requests.Select(x => x.Event + " " + x.Body)));
        var request = Assert.Single(receiver.Requests);
        Assert.Equal("webhook_test", request.Event);
        Assert.True(WebhookSignature.Verify(secret.Value, request.Body, request.Signature));

        receiver.AlwaysAnswer = 401;
        var refused = await _platform.CliAsync("webhook", "test", id, "--json");
        Assert.Equal(1, refused.ExitCode);
        Assert.Equal(401, refused.Json().GetProperty("status").GetInt32());

        await receiver.DisposeAsync();
        _receivers.Remove(receiver);
        var unreachable = await _platform.CliAsync("webhook", "test", id, "--json");
        Assert.Equal(1, unreachable.ExitCode);
        Assert.Contains("connection refused", unreachable.Json().GetProperty("error").GetString(), StringComparison.Ordinal);

        var log = await _platform.CliAsync("webhook", "deliveries", id, "--json");
        Assert.Equal(["failed", "failed", "succeeded"], log.Json().EnumerateArray().Select(d => d.GetProperty("state").GetString()));
        // The secret's value is nowhere in what the CLI printed.
        Assert.DoesNotContain(secret.Value, ok.Output + ok.Error + log.Output + refused.Output, StringComparison.Ordinal);
    }

    private async Task<HttpClient> AdminOfAsync(string host, string tenant)
    {
        var client = _nodes[0].CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{host}"), AllowAutoRedirect = false, HandleCookies = true });
        var signedIn = await WebPlatform.SignInAsync(client, "admin", _platform.Get<AdminPassword>().For(tenant).Password);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signedIn.StatusCode);
        return client;
    }

    [Fact]
    public async Task The_console_shows_the_webhooks_events_and_delivery_log_and_pauses_a_webhook_for_platform_admins_only()
    {
        var receiver = await ReceiverAsync();
        var secret = Secret();
        var webhook = await AddWebhookAsync(receiver.Url, secret.Name);
        Assert.Equal(0, (await _platform.CliAsync("webhook", "test", webhook.ToString(System.Globalization.CultureInfo.InvariantCulture))).ExitCode);

        var admin = await AdminOfAsync("localhost", "platform");
        var events = System.Net.WebUtility.HtmlDecode(await admin.GetStringAsync("/console/events"));
        Assert.Contains(receiver.Url, events, StringComparison.Ordinal);
        Assert.Contains("tenant_provisioned", events, StringComparison.Ordinal);
        Assert.DoesNotContain(secret.Value, events, StringComparison.Ordinal);
        var log = System.Net.WebUtility.HtmlDecode(await admin.GetStringAsync($"/console/webhooks/{webhook}"));
        Assert.Contains("webhook_test", log, StringComparison.Ordinal);
        Assert.Contains("HTTP 204", log, StringComparison.Ordinal);

        var paused = await WebPlatform.PostFormAsync(admin, "/console/events", $"/console/webhooks/{webhook}/pause", new Dictionary<string, string>());
        Assert.Equal(System.Net.HttpStatusCode.Redirect, paused.StatusCode);
        var state = await _platform.Get<WebhookRegistry>().GetAsync(webhook, CancellationToken.None);
        Assert.Equal((Webhook.Paused, "paused by the operator (console)"), (state.State, state.PausedReason));

        var tenantAdmin = await AdminOfAsync("tbwa.localhost", "tbwa");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await tenantAdmin.GetAsync("/console/events")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await tenantAdmin.GetAsync($"/console/webhooks/{webhook}")).StatusCode);
    }
}
