using System.Net;
using System.Net.Sockets;

namespace InsightPulse.Bench;

/// <summary>Browser-like clients of a listener on 127.0.0.1 (an `ipai serve` process, nginx), for tenant host names that need not resolve.</summary>
public static class LoopbackHttp
{
    /// <summary>A client for <paramref name="host"/> that reaches 127.0.0.1:<paramref name="port"/> whatever the name resolves to: cookies kept, redirects not followed.</summary>
    public static HttpClient Client(string host, int port) => new(new SocketsHttpHandler
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
