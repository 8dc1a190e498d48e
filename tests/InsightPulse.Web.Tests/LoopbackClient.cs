using System.Net;
using System.Net.Sockets;

namespace InsightPulse.Web.Tests;

/// <summary>Browser-like clients of a real listener (an `ipai serve` process, nginx) on 127.0.0.1.</summary>
public static class LoopbackClient
{
    /// <summary>A client for <paramref name="host"/> that reaches 127.0.0.1:<paramref name="port"/> whatever the name resolves to: cookies kept, redirects not followed.</summary>
    public static HttpClient For(string host, int port) => new(new SocketsHttpHandler
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
}
