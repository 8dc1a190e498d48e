using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Finance;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using InsightPulse.Web.Api;
using InsightPulse.Web.Bi;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace InsightPulse.Web.Tests;

/// <summary>
/// The web runtime the HTTP cases of the hostile-input corpus run against: the platform with its seed tenants
/// provisioned, on Kestrel at 127.0.0.1 as <c>./ipai serve</c> builds it, trusting 127.0.0.2 as its reverse proxy (so
/// one host answers both a client's <c>X-Forwarded-*</c> games and a proxy's). Limits that would cut a corpus run short
/// are raised (sign-in attempts and API requests per minute, the lockout threshold); everything else is as shipped.
/// Before the corpus runs, it signs in the identities cases act as (<see cref="Identity"/>), makes a record of each
/// finance kind to edit, and waits until the event dispatcher has nothing left to do, so only a case can change anything.
/// </summary>
public sealed partial class HostileWebHost : IAsyncDisposable
{
    public static readonly IPAddress Client = IPAddress.Loopback;
    public static readonly IPAddress TrustedProxy = IPAddress.Parse("127.0.0.2");

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, string> _vars = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string? Cookie, Dictionary<string, string> Headers)> _identities = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string Token, string Cookies)> _formTokens = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public PlatformScope Scope { get; private set; } = null!;
    public PostgresFixture Postgres { get; private set; } = null!;
    public int Port { get; private set; }
    public IServiceProvider Services => _app!.Services;

    public async Task<HostileWebHost> GetAsync(PostgresFixture postgres)
    {
        await _gate.WaitAsync();
        try
        {
            if (_app is not null) return this;
            Postgres = postgres;
            Scope = await PlatformScope.CreateAsync(postgres, new Dictionary<string, string?>
            {
                ["Web:SignInAttemptsPerMinute"] = "10000",
                ["Web:ApiRequestsPerMinute"] = "1000000",
                ["Web:GuestTokensPerMinute"] = "100000",
                ["Web:LockoutThreshold"] = "100",
                ["Web:TrustedProxies:0"] = TrustedProxy.ToString(),
            });
            var steps = await Scope.UpAndProvisionAsync();
            Assert.DoesNotContain(steps, s => s.Failed);
            _app = InsightPulseWeb.Build(new ConfigurationBuilder().AddInMemoryCollection(Scope.Settings).Build(), "http://127.0.0.1:0", quiet: true);
            await _app.StartAsync();
            Port = new Uri(_app.Urls.Single()).Port;
            await PrepareAsync();
            return this;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The folders whose files a case must not change: the platform's home (secrets and all).</summary>
    public IReadOnlyList<string> Folders => [Scope.Home];

    private async Task PrepareAsync()
    {
        _vars["operator_token"] = Scope.Get<ManagedCluster>().Secrets.ReadRequired(OperatorToken.SecretName);
        _identities["operator"] = (null, new(StringComparer.Ordinal) { ["Authorization"] = "Bearer " + _vars["operator_token"] });
        foreach (var (name, host, tenant) in new[] { ("platform_admin", "localhost", "platform"), ("tbwa_admin", "tbwa.localhost", "tbwa"), ("scout_admin", "scout.localhost", "scout") })
        {
            _vars[name + "_password"] = Scope.Get<AdminPassword>().For(tenant).Password;
            _identities[name] = (await SignInAsync(host, "admin", _vars[name + "_password"]), []);
        }
        // A session that was signed out: its cookie, copied before POST /logout, replayed afterwards.
        var ended = await SignInAsync("tbwa.localhost", "admin", Scope.Get<AdminPassword>().For("tbwa").Password);
        var logout = await FormAsync("tbwa.localhost", "/", "/logout", ended, []);
        Assert.Equal(302, logout.Status);
        _identities["signed_out"] = (ended, []);

        var accounts = _app!.Services.GetRequiredService<BiServiceAccounts>();
        foreach (var tenant in new[] { "tbwa", "scout" })
        {
            var host = tenant + ".localhost";
            var login = await SendAsync(Client, $"POST /api/v1/security/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json",
                JsonSerializer.SerializeToUtf8Bytes(new { username = BiServiceAccount.Username, password = accounts.PasswordOf(tenant), provider = "db" }));
            Assert.True(login.Status == 200, login.ToString());
            var bearer = "Bearer " + JsonDocument.Parse(login.Body).RootElement.GetProperty("access_token").GetString();
            var csrf = await SendAsync(Client, $"GET /api/v1/security/csrf_token/ HTTP/1.1\r\nHost: {host}\r\nAuthorization: {bearer}", []);
            Assert.True(csrf.Status == 200, csrf.ToString());
            _vars[tenant + "_bi_password"] = accounts.PasswordOf(tenant);
            _vars[tenant + "_csrf"] = JsonDocument.Parse(csrf.Body).RootElement.GetProperty("result").GetString()!;
            _identities[tenant + "_bi"] = (null, new(StringComparer.Ordinal)
            {
                ["Authorization"] = bearer,
                ["X-CSRFToken"] = JsonDocument.Parse(csrf.Body).RootElement.GetProperty("result").GetString()!,
            });
        }

        var metadata = _app.Services.GetRequiredService<BiMetadata>();
        foreach (var (tenant, slug) in new[] { ("tbwa", "agency-finance"), ("scout", "scout-retail-intelligence") })
        {
            var dashboard = (await metadata.DashboardAsync(tenant, slug, CancellationToken.None))!;
            var chart = (await metadata.ChartsAsync(tenant, dashboard.Id, CancellationToken.None))[0];
            _vars[$"{tenant}_dashboard_id"] = dashboard.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _vars[$"{tenant}_dashboard_uuid"] = dashboard.EmbeddedUuid.ToString();
            _vars[$"{tenant}_dashboard_slug"] = dashboard.Slug;
            _vars[$"{tenant}_chart_id"] = chart.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
            _vars[$"{tenant}_dataset_id"] = chart.DatasetId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // One record of each finance kind to edit (tbwa and scout have the finance module), and scout's to reach for from tbwa.
        var scout = await Scope.Registry.GetAsync("scout", CancellationToken.None);
        var scoutAgency = await Scope.Get<AgencyStore>().CreateAsync(scout, new AgencyInput("SCOUT-AG", "Scout agency", "987-654-321", null, true), CancellationToken.None);
        var scoutProject = await Scope.Get<ProjectStore>().CreateAsync(scout,
            new ProjectForm(scoutAgency.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "SCOUT-P1", "Scout project", null, "1000", "PHP", null, null, "active"), CancellationToken.None);
        var scoutReport = await Scope.Get<ExpenseReportStore>().CreateAsync(scout,
            new ExpenseReportForm(scoutProject.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "Scout employee", null, "2025-06", null), CancellationToken.None);
        _vars["scout_agency_id"] = scoutAgency.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _vars["scout_report_id"] = scoutReport.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var tbwa = await Scope.Registry.GetAsync("tbwa", CancellationToken.None);
        var agency = await Scope.Get<AgencyStore>().CreateAsync(tbwa, new AgencyInput("HOSTILE-AG", "Hostile agency", "123-456-789", null, true), CancellationToken.None);
        var project = await Scope.Get<ProjectStore>().CreateAsync(tbwa,
            new ProjectForm(agency.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "HOSTILE-P1", "Hostile project", null, "1000", "PHP", null, null, "active"), CancellationToken.None);
        var report = await Scope.Get<ExpenseReportStore>().CreateAsync(tbwa,
            new ExpenseReportForm(project.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "Juan", null, "2025-06", null), CancellationToken.None);
        var line = await Scope.Get<ExpenseLineStore>().AddAsync(tbwa, report.Id,
            new ExpenseLineForm("2025-06-02", "Taxi", null, null, "travel", "100", "0", null, null), CancellationToken.None);
        _vars["tbwa_agency_id"] = agency.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _vars["tbwa_project_id"] = project.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _vars["tbwa_report_id"] = report.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        _vars["tbwa_line_id"] = line.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // The web node dispatches the provisioning runs' events after it starts: wait until it has, so nothing moves during the corpus.
        await ServerSentEventStream.EventuallyAsync(async () => await Postgres.ScalarAsync<long>(PlatformScope.PlatformDatabase,
            "SELECT count(*) FROM ipai_schema_event WHERE dispatched_at IS NULL") == 0, "every schema event dispatched");
    }

    /// <summary>Signs in through the form; the session cookie (<c>ipai_session=…</c>).</summary>
    private async Task<string> SignInAsync(string host, string login, string password)
    {
        var response = await FormAsync(host, "/login", "/login", null, new() { ["login"] = login, ["password"] = password });
        Assert.True(response.Status == 302, response.ToString());
        return "ipai_session=" + response.SetCookie("ipai_session");
    }

    /// <summary>Posts a form of <paramref name="page"/> (its antiforgery token and cookie fetched first) as <paramref name="cookie"/>.</summary>
    private async Task<RawHttp.Response> FormAsync(string host, string page, string action, string? cookie, Dictionary<string, string> fields)
    {
        var (token, cookies) = await FormTokenAsync(Client, host, page, cookie, []);
        fields["__RequestVerificationToken"] = token;
        return await SendAsync(Client, $"POST {action} HTTP/1.1\r\nHost: {host}\r\nCookie: {cookies}\r\nContent-Type: application/x-www-form-urlencoded",
            Encoding.ASCII.GetBytes(FormEncode(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value)))));
    }

    /// <summary>
    /// The antiforgery token of the form on <paramref name="page"/> and the cookies to send with it; fetched once per
    /// identity, host and page (a token pair stays good for its user), which keeps a corpus of form posts quick.
    /// </summary>
    private async Task<(string Token, string Cookies)> FormTokenAsync(IPAddress source, string host, string page, string? cookie, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var key = $"{source}\n{host}\n{page}\n{cookie}\n{string.Join("\n", headers)}";
        if (_formTokens.TryGetValue(key, out var known)) return known;
        return _formTokens[key] = await FetchFormTokenAsync(source, host, page, cookie, headers);
    }

    private async Task<(string Token, string Cookies)> FetchFormTokenAsync(IPAddress source, string host, string page, string? cookie, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var head = new StringBuilder($"GET {page} HTTP/1.1\r\nHost: {host}");
        if (cookie is not null) head.Append("\r\nCookie: ").Append(cookie);
        foreach (var (name, value) in headers.Where(h => h.Key != "Cookie")) head.Append("\r\n").Append(name).Append(": ").Append(value);
        var response = await SendAsync(source, head.ToString(), []);
        Assert.True(response.Status == 200, $"GET {page} at {host}: {response}");
        var match = TokenField().Match(response.Body);
        Assert.True(match.Success, $"no form token on {page} at {host}");
        var antiforgery = response.SetCookie("ipai_antiforgery");
        var cookies = string.Join("; ", new[] { cookie, antiforgery is null ? null : "ipai_antiforgery=" + antiforgery }.OfType<string>());
        return (WebUtility.HtmlDecode(match.Groups[1].Value), cookies);
    }

    public Task<RawHttp.Response> SendAsync(IPAddress source, string head, byte[] body) => RawHttp.SendAsync(Port, source, head, body);

    /// <summary>Sends the request of an HTTP case (format in tests/hostile/README.md); the path it asked for, and the answer.</summary>
    public async Task<(string Path, RawHttp.Response Response)> SendAsync(HostileCase hostile)
    {
        ArgumentNullException.ThrowIfNull(hostile);
        var request = HostileCorpus.Resolve(hostile.Data["request"], Custom)!.AsObject();
        var source = request["via"]?.GetValue<string>() == "trusted_proxy" ? TrustedProxy : Client;
        var method = request["method"]?.GetValue<string>() ?? "GET";
        var path = HostileCorpus.Text(request["path"] ?? JsonValue.Create("/"));
        var host = request.ContainsKey("host") ? request["host"] is null ? null : HostileCorpus.Text(request["host"]) : "tbwa.localhost";
        var (cookie, identityHeaders) = request["as"] is { } identity ? _identities[identity.GetValue<string>()] : (null, []);
        var headers = new List<KeyValuePair<string, string>>(identityHeaders);
        switch (request["headers"])
        {
            case JsonObject named:
                foreach (var (name, value) in named) Set(headers, name, HostileCorpus.Text(value));
                break;
            case JsonArray pairs: // repeated headers, in order
                headers.AddRange(pairs.Select(p => new KeyValuePair<string, string>(HostileCorpus.Text(p![0]), HostileCorpus.Text(p[1]))));
                break;
        }
        if (headers.FirstOrDefault(h => h.Key == "Cookie").Value is { } givenCookie)
        {
            cookie = givenCookie;
            headers.RemoveAll(h => h.Key == "Cookie");
        }

        byte[] body = [];
        string? contentType = null;
        if (request["json"] is { } json)
        {
            body = Encoding.UTF8.GetBytes(HostileCorpus.ToJson(json));
            contentType = "application/json";
        }
        else if (request["body"] is { } text)
        {
            body = Encoding.UTF8.GetBytes(HostileCorpus.Text(text));
            contentType = "application/json";
        }
        else if (request["body_base64"] is { } base64)
        {
            body = Convert.FromBase64String(base64.GetValue<string>());
            contentType = "application/json";
        }
        else if (request["form"] is JsonObject form)
        {
            var fields = form.Select(f => new KeyValuePair<string, string>(f.Key, HostileCorpus.Text(f.Value))).ToList();
            if (request["form_page"] is { } page)
            {
                var (token, cookies) = await FormTokenAsync(source, host ?? "tbwa.localhost", HostileCorpus.Text(page), cookie, headers);
                if (!fields.Any(f => f.Key == "__RequestVerificationToken")) fields.Add(new("__RequestVerificationToken", token));
                cookie = cookies;
            }
            body = Encoding.ASCII.GetBytes(FormEncode(fields));
            contentType = "application/x-www-form-urlencoded";
        }
        if (request["content_type"] is { } type) contentType = type is null ? null : HostileCorpus.Text(type);

        var head = new StringBuilder($"{method} {HostileCorpus.Text(request["target"] ?? JsonValue.Create(path))} HTTP/1.1");
        if (host is not null) head.Append("\r\nHost: ").Append(host);
        if (cookie is not null) head.Append("\r\nCookie: ").Append(cookie);
        foreach (var (name, value) in headers) head.Append("\r\n").Append(name).Append(": ").Append(value);
        if (contentType is not null && body.Length > 0) head.Append("\r\nContent-Type: ").Append(contentType);
        if (body.Length > 0 || method is "POST" or "PUT") head.Append("\r\nContent-Length: ").Append(body.Length);
        return (path, await SendAsync(source, head.ToString(), body));
    }

    private static void Set(List<KeyValuePair<string, string>> headers, string name, string value)
    {
        headers.RemoveAll(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));
        headers.Add(new(name, value));
    }

    /// <summary>The runner's expressions: <c>$var</c> (a value it made), <c>$jwt</c> (a guest token built to order), <c>$flip</c> (one character changed).</summary>
    private JsonNode? Custom(string name, JsonNode argument) => name switch
    {
        "$var" => JsonValue.Create(_vars[argument["$var"]!.GetValue<string>()]),
        "$cookie" => JsonValue.Create(_identities[argument["$cookie"]!.GetValue<string>()].Cookie),
        "$flip" => JsonValue.Create(Flip(HostileCorpus.Text(HostileCorpus.Resolve(argument["$flip"], Custom)))),
        "$jwt" => JsonValue.Create(Jwt(HostileCorpus.Resolve(argument["$jwt"], Custom)!.AsObject())),
        _ => throw new InvalidDataException($"Unknown expression {name}."),
    };

    /// <summary>The text with its middle character changed (a cookie or token with one bit of its protected part altered).</summary>
    private static string Flip(string text)
    {
        var chars = text.ToCharArray();
        var middle = chars.Length / 2;
        chars[middle] = chars[middle] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    /// <summary>
    /// A guest token to order: for the named tenant's dashboard (<c>dashboard</c>), signed with the host's secret or
    /// another (<c>key</c>), with <c>alg</c>, claims changed (<c>claims</c>) or removed (<c>remove</c>), a lifetime
    /// (<c>expires_in</c> seconds, negative: expired), and <c>tamper</c>: claims changed after signing.
    /// </summary>
    private string Jwt(JsonObject spec)
    {
        var options = _app!.Services.GetRequiredService<GuestTokenOptions>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["user"] = new JsonObject { ["username"] = "viewer", ["first_name"] = "Vi", ["last_name"] = "Ewer" },
            ["resources"] = new JsonArray(new JsonObject { ["type"] = "dashboard", ["id"] = _vars[(spec["dashboard"]?.GetValue<string>() ?? "tbwa") + "_dashboard_uuid"] }),
            ["rls_rules"] = new JsonArray(),
            ["iat"] = now,
            ["exp"] = now + (spec["expires_in"]?.GetValue<int>() ?? 300),
            ["aud"] = options.Audience,
            ["type"] = "guest",
        };
        foreach (var (claim, value) in spec["claims"]?.AsObject() ?? []) claims[claim] = value?.DeepClone();
        foreach (var claim in spec["remove"]?.AsArray().Select(k => k!.GetValue<string>()) ?? []) claims.Remove(claim);
        var alg = spec["alg"]?.GetValue<string>() ?? "HS256";
        var header = Base64Url(Encoding.UTF8.GetBytes(new JsonObject { ["alg"] = alg, ["typ"] = "JWT" }.ToJsonString()));
        var input = header + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var key = spec["key"]?.GetValue<string>() == "other" ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(options.Secret!);
        var signature = alg switch
        {
            "none" => "",
            "HS512" => Base64Url(HMACSHA512.HashData(key, Encoding.ASCII.GetBytes(input))),
            _ => Base64Url(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(input))),
        };
        if (spec["tamper"] is JsonObject tamper)
        {
            foreach (var (name, value) in tamper) claims[name] = value?.DeepClone();
            input = header + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        }
        return input + "." + signature;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>application/x-www-form-urlencoded, every byte outside the unreserved set percent-encoded (<see cref="HostileCorpus.PercentEncode"/>).</summary>
    public static string FormEncode(IEnumerable<KeyValuePair<string, string>> fields) =>
        string.Join("&", fields.Select(f => HostileCorpus.PercentEncode(f.Key) + "=" + HostileCorpus.PercentEncode(f.Value)));

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        if (Scope is not null) await Scope.DisposeAsync();
        _gate.Dispose();
    }
}
