using System.Net;
using System.Text.Json;

namespace InsightPulse.Web.Tests;

/// <summary>Reads a <c>text/event-stream</c> response to its end as a browser's EventSource would: event name and data.</summary>
public static class ServerSentEventStream
{
    public static async Task<IReadOnlyList<(string Event, JsonElement Data)>> ReadAsync(HttpClient client, string path, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
        var events = new List<(string, JsonElement)>();
        string name = "message", data = "";
        while (await reader.ReadLineAsync(cancel.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0) events.Add((name, JsonDocument.Parse(data).RootElement.Clone()));
                (name, data) = ("message", "");
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data += line["data: ".Length..];
        }
        return events;
    }

    /// <summary>Retries <paramref name="check"/> until it holds (the routing table follows the registry asynchronously).</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> check, string what)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(10); ; await Task.Delay(100))
        {
            if (await check()) return;
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting: {what}");
        }
    }
}
