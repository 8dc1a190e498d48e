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
        ConnectCallback = ConnectAsync,
    })
    {
        BaseAddress = new Uri($"http://{host}:{port}"),
        Timeout = TimeSpan.FromSeconds(30),
    };

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects to 127.0.0.1 at the request's port, keeping its host
    /// name (*.localhost is loopback, RFC 6761, whatever this machine's resolver says).
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(IPAddress.Loopback, context.DnsEndPoint.Port, cancellationToken);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return new NetworkStream(socket, ownsSocket: true);
    }
}
