using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace InsightPulse.Core.Bi.Superset;

/// <summary>
/// A signed-in session with an external Superset's REST API (<c>/api/v1</c>): <c>POST /api/v1/security/login</c>
/// (database provider) gives the access token, <c>GET /api/v1/security/csrf_token/</c> the CSRF token; every call
/// sends <c>Authorization: Bearer</c>, every write <c>X-CSRFToken</c> and a <c>Referer</c> (Flask-WTF's strict check
/// over HTTPS), and the session cookie the CSRF token is bound to is kept. After a 401 or 403 the client signs in
/// afresh once and repeats the call. Every failure is a <see cref="SupersetException"/> naming the check that failed.
/// </summary>
public sealed class SupersetClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly SupersetLogin _login;
    private readonly SemaphoreSlim _signIn = new(1, 1);
    private (string Access, string Csrf)? _session;

    public SupersetClient(Uri baseUrl, SupersetLogin login, HttpMessageHandler? handler = null, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        BaseUrl = new Uri(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/");
        _login = login ?? throw new ArgumentNullException(nameof(login));
        handler ??= new SocketsHttpHandler
        {
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            AllowAutoRedirect = false,
        };
        _http = new HttpClient(handler) { BaseAddress = BaseUrl, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
    }

    /// <summary>The Superset's root, ending in <c>/</c>.</summary>
    public Uri BaseUrl { get; }

    private string Origin => BaseUrl.GetLeftPart(UriPartial.Authority);

    /// <summary>GET; null when Superset answers 404 with its JSON "Not found" (the object does not exist).</summary>
    public Task<JsonElement?> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public async Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Post, path, body, cancellationToken) ?? throw NotFound("POST", path);

    public async Task<JsonElement> PutAsync(string path, object body, CancellationToken cancellationToken) =>
        await SendAsync(HttpMethod.Put, path, body, cancellationToken) ?? throw NotFound("PUT", path);

    /// <summary>Signs in (login, then CSRF token) unless signed in already: the first call of a session, or a check of the connection.</summary>
    public async Task SignInAsync(CancellationToken cancellationToken)
    {
        await _signIn.WaitAsync(cancellationToken);
        try
        {
            _session ??= await NewSessionAsync(cancellationToken);
        }
        finally
        {
            _signIn.Release();
        }
    }

    private async Task<(string, string)> NewSessionAsync(CancellationToken cancellationToken)
    {
        const string LoginPath = "api/v1/security/login";
        using var login = await TransportAsync(() => new HttpRequestMessage(HttpMethod.Post, LoginPath)
        {
            Content = JsonContent.Create(new { username = _login.Username, password = _login.Password, provider = "db", refresh = true }),
        }, "POST", LoginPath, cancellationToken);
        if (login.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest && await JsonOrNullAsync(login, cancellationToken) is not null)
        {
            throw new SupersetException(SupersetCheck.Credentials,
                $"The Superset at {Origin} refused the login of '{_login.Username}' ({(int)login.StatusCode} at /{LoginPath}).",
                $"Check the account and its password (the secret {SupersetCredentials.SecretName(BaseUrl)} in .ipai/secrets/, or SUPERSET_USERNAME/SUPERSET_PASSWORD), and that Superset's AUTH_TYPE is AUTH_DB.");
        }
        var body = await ExpectJsonAsync(login, "POST", LoginPath, cancellationToken);
        var access = body.TryGetProperty("access_token", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : throw Shape("POST", LoginPath, "no access_token");

        const string CsrfPath = "api/v1/security/csrf_token/";
        using var csrfResponse = await TransportAsync(() => Bearer(new HttpRequestMessage(HttpMethod.Get, CsrfPath), access), "GET", CsrfPath, cancellationToken);
        if (csrfResponse.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new SupersetException(SupersetCheck.Permission,
                $"The Superset at {Origin} signed '{_login.Username}' in but refused it a CSRF token ({(int)csrfResponse.StatusCode}).",
                "Give the account a role that may use the security API (e.g. Admin, or one with can_read on CsrfTokenRestApi).");
        }
        var csrf = await ExpectJsonAsync(csrfResponse, "GET", CsrfPath, cancellationToken);
        return (access, csrf.TryGetProperty("result", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : throw Shape("GET", CsrfPath, "no result"));
    }

    private async Task<JsonElement?> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var relative = path.TrimStart('/');
        for (var attempt = 1; ; attempt++)
        {
            await SignInAsync(cancellationToken);
            var session = _session!.Value;
            using var response = await TransportAsync(() =>
            {
                var request = Bearer(new HttpRequestMessage(method, relative), session.Access);
                if (method != HttpMethod.Get)
                {
                    request.Headers.Add("X-CSRFToken", session.Csrf);
                    request.Headers.Referrer = BaseUrl;
                }
                if (body is not null) request.Content = JsonContent.Create(body, body.GetType());
                return request;
            }, method.Method, relative, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                if (attempt == 1)
                {
                    // The token expired, or the session behind the CSRF token ended: sign in afresh, once.
                    _session = null;
                    continue;
                }
                throw response.StatusCode == HttpStatusCode.Unauthorized
                    ? new SupersetException(SupersetCheck.Credentials,
                        $"The Superset at {Origin} refused '{_login.Username}' at {method.Method} /{relative} (401) right after signing in.",
                        "Check that the account is active and that Superset's API accepts its JWT (same SECRET_KEY on every Superset node).")
                    : new SupersetException(SupersetCheck.Permission,
                        $"The Superset at {Origin} does not allow '{_login.Username}' to {method.Method} /{relative} (403).",
                        "Give the account a role with write access to databases, datasets, charts, dashboards and tags, and can_grant_guest_token (Admin does).");
            }
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                if (await JsonOrNullAsync(response, cancellationToken) is null) throw NotAnApi(method.Method, relative, response.StatusCode);
                return null;
            }
            if (!response.IsSuccessStatusCode)
            {
                var said = await JsonOrNullAsync(response, cancellationToken) is { } json ? MessageOf(json) : null;
                if (said is null) throw NotAnApi(method.Method, relative, response.StatusCode);
                throw new SupersetException(SupersetCheck.Request,
                    $"The Superset at {Origin} refused {method.Method} /{relative} ({(int)response.StatusCode}): {said}",
                    "Fix what it names (an object changed by hand in Superset can be deleted there; provisioning makes it again).");
            }
            return await ExpectJsonAsync(response, method.Method, relative, cancellationToken);
        }
    }

    private static HttpRequestMessage Bearer(HttpRequestMessage request, string access)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", access);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return request;
    }

    /// <summary>Sends, turning transport failures into the check they mean (DNS, TLS, connection, timeout).</summary>
    private async Task<HttpResponseMessage> TransportAsync(Func<HttpRequestMessage> request, string method, string path, CancellationToken cancellationToken)
    {
        using var message = request();
        try
        {
            return await _http.SendAsync(message, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            var host = BaseUrl.Host;
            throw e.HttpRequestError switch
            {
                HttpRequestError.NameResolutionError => new SupersetException(SupersetCheck.Dns,
                    $"The Superset host '{host}' was not found (DNS) when calling {method} /{path}.",
                    $"Check the tenant's superset_base_url (`./ipai tenant update CODE --superset-base-url https://…`) and that this machine's DNS resolves {host}.", e),
                HttpRequestError.SecureConnectionError => new SupersetException(SupersetCheck.Tls,
                    $"The TLS handshake with {Origin} failed: {Inner(e)}",
                    $"Give {host} a certificate for that name from a CA this machine trusts (or add its CA to the system trust store); do not turn validation off.", e),
                _ => new SupersetException(SupersetCheck.Connection,
                    $"Nothing answers at {Origin} ({Inner(e)}).",
                    "Start Superset there, or open the network path from this host to it (firewall, proxy, port in superset_base_url).", e),
            };
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new SupersetException(SupersetCheck.Connection,
                $"The Superset at {Origin} did not answer {method} /{path} within {_http.Timeout.TotalSeconds:0} s.",
                "Check that Superset is up and not overloaded, and the network path from this host to it.", e);
        }
    }

    private static string Inner(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return inner.Message;
    }

    private async Task<JsonElement> ExpectJsonAsync(HttpResponseMessage response, string method, string path, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode) throw NotAnApi(method, path, response.StatusCode);
        return await JsonOrNullAsync(response, cancellationToken) is { ValueKind: JsonValueKind.Object } json ? json : throw Shape(method, path, "not a JSON object");
    }

    private static async Task<JsonElement?> JsonOrNullAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentType?.MediaType is not { } type || !type.Contains("json", StringComparison.OrdinalIgnoreCase)) return null;
        try
        {
            using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Superset's error text: <c>message</c> (a string or an object of field errors), <c>msg</c>, or <c>errors[].message</c>.</summary>
    private static string? MessageOf(JsonElement json)
    {
        string? text = null;
        if (json.ValueKind == JsonValueKind.Object)
        {
            if (json.TryGetProperty("message", out var m)) text = m.ValueKind == JsonValueKind.String ? m.GetString() : m.GetRawText();
            else if (json.TryGetProperty("msg", out var g)) text = g.GetString();
            else if (json.TryGetProperty("errors", out var e) && e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 && e[0].TryGetProperty("message", out var em)) text = em.GetString();
        }
        if (text is null) return null;
        text = new string(text.Where(c => !char.IsControl(c)).ToArray());
        return text.Length > 300 ? text[..300] + "…" : text;
    }

    private SupersetException NotAnApi(string method, string path, HttpStatusCode status) => new(SupersetCheck.ApiVersion,
        $"{Origin} answered {(int)status} without Superset's JSON at {method} /{path}: it is not a Superset REST API this client speaks (Superset 4.x, /api/v1).",
        "Point superset_base_url at Superset's root URL (not …/api/v1, not a login page or proxy), running Superset 3.1 or later.");

    private SupersetException Shape(string method, string path, string what) => new(SupersetCheck.ApiVersion,
        $"{Origin} answered {method} /{path} in an unexpected shape ({what}).",
        "Point superset_base_url at a Superset 3.1 or later; this client follows Superset 4.x's /api/v1.");

    private SupersetException NotFound(string method, string path) => new(SupersetCheck.Request,
        $"The Superset at {Origin} answered 404 to {method} /{path.TrimStart('/')}: the object it names is gone.",
        "Run provisioning again: it looks every object up again and makes the missing ones.");

    public void Dispose()
    {
        _http.Dispose();
        _signIn.Dispose();
    }
}
