using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace InsightPulse.Core.Events;

/// <summary>What one attempt got: an HTTP status (success: 2xx), or the error that kept one from coming back.</summary>
public sealed record WebhookAttemptOutcome(int? Status, string? Error, TimeSpan Duration, TimeSpan? RetryAfter)
{
    public bool Succeeded => Status is >= 200 and < 300;

    /// <summary>"HTTP 204", "HTTP 500: …", or the error.</summary>
    public string Describe() => Status is { } status ? $"HTTP {status}{(Error is null ? "" : ": " + Error)}" : Error ?? "no answer";
}

/// <summary>
/// Posts one delivery: the body as JSON, <c>Authorization: Bearer</c> (the token, else the secret),
/// <c>X-Hub-Signature-256</c> over the exact bytes, the delivery id and event type as headers. Never throws for the
/// receiver's sake: a refused connection, an unknown host, a bad certificate or a timeout is an outcome, said plainly.
/// </summary>
public sealed class WebhookSender(HttpClient http)
{
    public const string DeliveryHeader = "X-IPAI-Delivery";
    public const string EventHeader = "X-IPAI-Event";

    public async Task<WebhookAttemptOutcome> SendAsync(
        string url, Guid deliveryId, string eventType, string body, string secret, string bearer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        request.Headers.Accept.ParseAdd("application/vnd.github+json");
        request.Headers.UserAgent.ParseAdd("InsightPulse-Webhook/1.0");
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secret, body));
        request.Headers.Add(DeliveryHeader, deliveryId.ToString());
        request.Headers.Add(EventHeader, eventType);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var clock = Stopwatch.StartNew();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var retryAfter = response.Headers.RetryAfter is { } header
                ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
                : null;
            string? error = null;
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(deadline.Token);
                error = text.Length == 0 ? response.ReasonPhrase : Shorten(text);
            }
            return new WebhookAttemptOutcome((int)response.StatusCode, error, clock.Elapsed, retryAfter);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new WebhookAttemptOutcome(null, $"timeout: no answer within {timeout.TotalSeconds:0.#} s", clock.Elapsed, null);
        }
        catch (HttpRequestException e)
        {
            return new WebhookAttemptOutcome(null, Describe(e, new Uri(url)), clock.Elapsed, null);
        }
    }

    /// <summary>Which check failed: DNS, connection, TLS, or what the exception says.</summary>
    internal static string Describe(HttpRequestException e, Uri url)
    {
        var socket = e.InnerException as SocketException ?? e.InnerException?.InnerException as SocketException;
        if (socket?.SocketErrorCode is SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain)
            return $"DNS: host {url.Host} not found";
        if (socket?.SocketErrorCode == SocketError.ConnectionRefused)
            return $"connection refused by {url.Host}:{url.Port} (nothing listens there)";
        if (e.InnerException is AuthenticationException tls)
            return $"TLS: {tls.Message}";
        return socket is not null ? $"network: {socket.SocketErrorCode} ({url.Host}:{url.Port})" : $"request failed: {e.Message}";
    }

    private static string Shorten(string text)
    {
        var oneLine = string.Join(' ', text.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)).Trim();
        return oneLine.Length <= 200 ? oneLine : oneLine[..200] + "…";
    }
}
