using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace InsightPulse.Web.Tests;

/// <summary>
/// HTTP/1.1 over a socket, byte for byte as written: a <c>Host</c> header with a NUL or two of them, a request body of
/// invalid UTF-8, headers <see cref="HttpClient"/> would refuse to send. One request per connection
/// (<c>Connection: close</c>), from <paramref name="source"/> (127.0.0.2 plays a trusted proxy) to Kestrel on loopback.
/// </summary>
public static class RawHttp
{
    public sealed record Response(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
    {
        public string? Header(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

        public IEnumerable<string> All(string name) => Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

        /// <summary>The media type of Content-Type (lower case), or "".</summary>
        public string MediaType => (Header("Content-Type") ?? "").Split(';')[0].Trim().ToLowerInvariant();

        /// <summary>The value of cookie <paramref name="name"/> this response sets, or null.</summary>
        public string? SetCookie(string name) => All("Set-Cookie").Select(c => c.Split(';')[0]).Where(c => c.StartsWith(name + "=", StringComparison.Ordinal))
            .Select(c => c[(name.Length + 1)..]).FirstOrDefault();

        public override string ToString() => $"{Status} {MediaType}: {(Body.Length > 600 ? Body[..600] + "…" : Body)}";
    }

    /// <summary>Sends <paramref name="head"/> (request line and headers, without the blank line) and <paramref name="body"/>.</summary>
    public static async Task<Response> SendAsync(int port, IPAddress source, string head, byte[] body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(head);
        ArgumentNullException.ThrowIfNull(body);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source, 0));
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        // UTF-8 as an attacker's client would write it: a NUL goes out as a NUL byte, a look-alike letter as its bytes.
        head = head.TrimEnd('\r', '\n');
        if (body.Length > 0 && !head.Contains("\r\nContent-Length:", StringComparison.OrdinalIgnoreCase)) head += $"\r\nContent-Length: {body.Length}";
        var headBytes = Encoding.UTF8.GetBytes(head + "\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(headBytes, cancellationToken);
        await stream.WriteAsync(body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        using var received = new MemoryStream();
        try
        {
            await stream.CopyToAsync(received, cancellationToken);
        }
        catch (IOException) when (received.Length > 0)
        {
            // The server closed after answering (it may reset a connection whose body it did not read).
        }
        return Parse(received.ToArray());
    }

    private static Response Parse(byte[] bytes)
    {
        var end = IndexOf(bytes, "\r\n\r\n"u8);
        if (end < 0) throw new InvalidDataException($"No HTTP response head in {bytes.Length} byte(s): {Encoding.Latin1.GetString(bytes[..Math.Min(200, bytes.Length)])}");
        var lines = Encoding.Latin1.GetString(bytes, 0, end).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var headers = lines.Skip(1).Select(l => l.Split(':', 2)).Select(p => new KeyValuePair<string, string>(p[0].Trim(), p.Length > 1 ? p[1].Trim() : "")).ToList();
        var body = bytes[(end + 4)..];
        if (headers.Any(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && h.Value.Contains("chunked", StringComparison.OrdinalIgnoreCase)))
        {
            body = Dechunk(body);
        }
        return new Response(status, headers, Encoding.UTF8.GetString(body));
    }

    private static byte[] Dechunk(byte[] body)
    {
        using var output = new MemoryStream();
        var position = 0;
        while (position < body.Length)
        {
            var lineEnd = IndexOf(body.AsSpan(position), "\r\n"u8);
            if (lineEnd < 0) break;
            var size = int.Parse(Encoding.ASCII.GetString(body, position, lineEnd).Split(';')[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            position += lineEnd + 2;
            if (size == 0) break;
            output.Write(body, position, Math.Min(size, body.Length - position));
            position += size + 2;
        }
        return output.ToArray();
    }

    private static int IndexOf(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle) => haystack.IndexOf(needle);
}
