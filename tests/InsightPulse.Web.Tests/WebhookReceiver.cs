using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace InsightPulse.Web.Tests;

/// <summary>
/// A webhook receiver on a real loopback port: records every request (headers and the raw body) and answers with
/// the statuses it is told to, then 204.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<int> _answers = new();

    public sealed record Request(string? Delivery, string? Event, string? Signature, string? Authorization, string Body, int Answered);

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<Request> Requests { get; } = new();

    /// <summary>When set, every request gets this status.</summary>
    public int? AlwaysAnswer { get; set; }

    public string Url => _app.Urls.First() + "/hooks/schema";

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/schema", async (HttpContext http) =>
        {
            using var reader = new StreamReader(http.Request.Body);
            var body = await reader.ReadToEndAsync();
            var status = receiver.AlwaysAnswer ?? (receiver._answers.TryDequeue(out var next) ? next : StatusCodes.Status204NoContent);
            var headers = http.Request.Headers;
            receiver.Requests.Enqueue(new Request(headers["X-IPAI-Delivery"], headers["X-IPAI-Event"], headers["X-Hub-Signature-256"], headers.Authorization, body, status));
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/>.</summary>
    public void Answer(int status, int count)
    {
        for (var i = 0; i < count; i++) _answers.Enqueue(status);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
