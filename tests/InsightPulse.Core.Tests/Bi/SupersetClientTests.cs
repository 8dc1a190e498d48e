using System.Net;
using System.Net.Sockets;
using System.Text;
using InsightPulse.Core.Bi.Superset;

namespace InsightPulse.Core.Tests.Bi;

/// <summary>
/// The client of an external Superset names the check that failed — DNS, TLS, connection, credentials, API version,
/// permission — against small local servers (an HttpListener playing Superset, raw sockets for TLS and refusals).
/// </summary>
public sealed class SupersetClientTests
{
    private static readonly SupersetLogin Login = new("admin", "not-the-password");

    [Fact]
    public async Task A_host_that_does_not_resolve_is_a_DNS_failure()
    {
        using var client = new SupersetClient(new Uri("http://superset.no-such-host.invalid/"), Login);
        var error = await Assert.ThrowsAsync<SupersetException>(() => client.SignInAsync(CancellationToken.None));
        Assert.Equal(SupersetCheck.Dns, error.Check);
        Assert.Contains("superset.no-such-host.invalid", error.Message, StringComparison.Ordinal);
        Assert.Contains("Fix:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_is_a_connection_failure()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var client = new SupersetClient(new Uri($"http://127.0.0.1:{port}/"), Login);
        var error = await Assert.ThrowsAsync<SupersetException>(() => client.SignInAsync(CancellationToken.None));
        Assert.Equal(SupersetCheck.Connection, error.Check);
    }

    [Fact]
    public async Task A_server_that_does_not_speak_TLS_on_https_is_a_TLS_failure()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = Task.Run(async () =>
        {
            using var socket = await listener.AcceptSocketAsync();
            var buffer = new byte[4096];
            await socket.ReceiveAsync(buffer);
            await socket.SendAsync(Encoding.ASCII.GetBytes("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
        });
        try
        {
            using var client = new SupersetClient(new Uri($"https://127.0.0.1:{port}/"), Login);
            var error = await Assert.ThrowsAsync<SupersetException>(() => client.SignInAsync(CancellationToken.None));
            Assert.Equal(SupersetCheck.Tls, error.Check);
        }
        finally
        {
            await serve;
            listener.Stop();
        }
    }

    [Fact]
    public async Task A_refused_login_is_a_credentials_failure_and_keeps_the_password_out_of_the_message()
    {
        await using var server = FakeSuperset.Start((method, path) => path == "/api/v1/security/login" ? (401, "{\"message\":\"Not authorized\"}") : (200, "{}"));
        using var client = new SupersetClient(server.Url, Login);
        var error = await Assert.ThrowsAsync<SupersetException>(() => client.SignInAsync(CancellationToken.None));
        Assert.Equal(SupersetCheck.Credentials, error.Check);
        Assert.DoesNotContain(Login.Password, error.Message, StringComparison.Ordinal);
        Assert.Contains("'admin'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_site_without_the_api_is_an_API_version_failure()
    {
        await using var server = FakeSuperset.Start((_, _) => (404, null));
        using var client = new SupersetClient(server.Url, Login);
        var error = await Assert.ThrowsAsync<SupersetException>(() => client.SignInAsync(CancellationToken.None));
        Assert.Equal(SupersetCheck.ApiVersion, error.Check);
    }

    [Fact]
    public async Task A_login_without_an_access_token_is_an_API_version_failure()
    {
        await using var server = FakeSuperset.Start((_, _) => (200, "{\"token\":\"x\"}"));
        using var client = new SupersetClient(server.Url, Login);
        Assert.Equal(SupersetCheck.ApiVersion, (await Assert.ThrowsAsync<SupersetException>(() => client.SignInAsync(CancellationToken.None))).Check);
    }

    [Fact]
    public async Task A_write_refused_after_signing_in_again_is_a_permission_failure()
    {
        await using var server = FakeSuperset.Start((method, path) => path switch
        {
            "/api/v1/security/login" => (200, "{\"access_token\":\"a\"}"),
            "/api/v1/security/csrf_token/" => (200, "{\"result\":\"c\"}"),
            _ => (403, "{\"message\":\"Forbidden\"}"),
        });
        using var client = new SupersetClient(server.Url, Login);
        var error = await Assert.ThrowsAsync<SupersetException>(() => client.PostAsync("/api/v1/dataset/", new { table_name = "t" }, CancellationToken.None));
        Assert.Equal(SupersetCheck.Permission, error.Check);
        Assert.Equal(2, server.Count("/api/v1/security/login"));
    }

    [Fact]
    public async Task An_expired_token_is_renewed_once_and_the_call_repeated_with_bearer_and_csrf()
    {
        var calls = 0;
        await using var server = FakeSuperset.Start((method, path) => path switch
        {
            "/api/v1/security/login" => (200, "{\"access_token\":\"a\"}"),
            "/api/v1/security/csrf_token/" => (200, "{\"result\":\"c\"}"),
            _ => Interlocked.Increment(ref calls) == 1 ? (401, "{\"msg\":\"Token has expired\"}") : (201, "{\"id\":7,\"result\":{}}"),
        });
        using var client = new SupersetClient(server.Url, Login);
        var created = await client.PostAsync("/api/v1/dataset/", new { table_name = "t" }, CancellationToken.None);
        Assert.Equal(7, created.GetProperty("id").GetInt32());
        Assert.Equal(2, server.Count("/api/v1/security/login"));
        Assert.Equal("Bearer a", server.LastHeader("/api/v1/dataset/", "Authorization"));
        Assert.Equal("c", server.LastHeader("/api/v1/dataset/", "X-CSRFToken"));
    }

    [Fact]
    public async Task A_missing_object_is_null_and_a_refused_request_names_supersets_message()
    {
        await using var server = FakeSuperset.Start((method, path) => path switch
        {
            "/api/v1/security/login" => (200, "{\"access_token\":\"a\"}"),
            "/api/v1/security/csrf_token/" => (200, "{\"result\":\"c\"}"),
            "/api/v1/dashboard/9" => (404, "{\"message\":\"Not found\"}"),
            _ => (422, "{\"message\":{\"slug\":[\"Must be unique\"]}}"),
        });
        using var client = new SupersetClient(server.Url, Login);
        Assert.Null(await client.GetAsync("/api/v1/dashboard/9", CancellationToken.None));
        var error = await Assert.ThrowsAsync<SupersetException>(() => client.PostAsync("/api/v1/dashboard/", new { slug = "x" }, CancellationToken.None));
        Assert.Equal(SupersetCheck.Request, error.Check);
        Assert.Contains("Must be unique", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rison_writes_and_reads_a_filter_query()
    {
        var q = Rison.Filters(("table_name", "eq", "ppm_expense_analysis"), ("schema", "eq", "tbwa"), ("database", "rel_o_m", 3L));
        Assert.Equal("(filters:!((col:table_name,opr:eq,value:ppm_expense_analysis),(col:schema,opr:eq,value:tbwa),(col:database,opr:rel_o_m,value:3)),page_size:100)", q);
        var parsed = (IDictionary<string, object?>)Rison.Decode(q)!;
        var filters = (List<object?>)parsed["filters"]!;
        Assert.Equal(3L, ((IDictionary<string, object?>)filters[2]!)["value"]);
        Assert.Equal("it's 1 day!", Rison.Decode(Rison.Encode("it's 1 day!")));
        Assert.Equal("'ipai tbwa schema'", Rison.Encode("ipai tbwa schema"));
        Assert.Throws<FormatException>(() => Rison.Decode("(a:'b)"));
    }

    /// <summary>An HttpListener answering each (method, path) with (status, JSON body or null for an HTML page).</summary>
    private sealed class FakeSuperset : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly List<(string Path, WebHeaderCollection Headers)> _seen = [];
        private readonly Task _loop;

        private FakeSuperset(Func<string, string, (int, string?)> answer)
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _loop = Task.Run(async () =>
            {
                while (_listener.IsListening)
                {
                    HttpListenerContext context;
                    try
                    {
                        context = await _listener.GetContextAsync();
                    }
                    catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                    {
                        return;
                    }
                    var path = context.Request.Url!.AbsolutePath;
                    lock (_seen) _seen.Add((path, new WebHeaderCollection { context.Request.Headers }));
                    var (status, body) = answer(context.Request.HttpMethod, path);
                    context.Response.StatusCode = status;
                    context.Response.ContentType = body is null ? "text/html" : "application/json";
                    var bytes = Encoding.UTF8.GetBytes(body ?? "<html>Not Found</html>");
                    await context.Response.OutputStream.WriteAsync(bytes);
                    context.Response.Close();
                }
            });
        }

        public Uri Url { get; }

        public static FakeSuperset Start(Func<string, string, (int, string?)> answer) => new(answer);

        public int Count(string path)
        {
            lock (_seen) return _seen.Count(s => s.Path == path);
        }

        public string? LastHeader(string path, string header)
        {
            lock (_seen) return _seen.Last(s => s.Path == path).Headers[header];
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            _listener.Close();
            await _loop;
        }
    }
}
