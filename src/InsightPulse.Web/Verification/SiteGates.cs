using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using InsightPulse.Core.Bi;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Databases;
using InsightPulse.Core.Isolation;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;
using InsightPulse.Core.Verification;
using InsightPulse.Web.Bi;
using Npgsql;

namespace InsightPulse.Web.Verification;

/// <summary>
/// The acceptance gates that need the web runtime, run over real HTTP against a site (the running web host, or one the
/// caller started in-process), reaching each tenant by its host name: <c>sign_in</c> (a one-time verification user,
/// created for the gate and removed after it, signs in at the tenant's host; never the admin's password),
/// <c>dashboards_page</c> (that user's Dashboards page answers 200) and <c>guest_token</c> (the tenant's service account
/// gets a guest token that carries the documented claims and opens the dashboard, and the same token tampered is refused).
/// </summary>
public sealed partial class SiteGates(PlatformDatabases databases, BiMetadata metadata, BiServiceAccounts accounts, TenantHostOptions hosts)
{
    public static readonly IReadOnlyList<string> Names = ["sign_in", "dashboards_page", "guest_token"];

    /// <summary>A gate added only when the one-time user could not be removed after the gates that use it.</summary>
    public const string LeftBehindGate = "sign_in_cleanup";

    /// <summary>The gates for <paramref name="tenant"/> at <paramref name="site"/> (e.g. http://127.0.0.1:8069), in order.</summary>
    public async IAsyncEnumerable<VerificationGate> RunAsync(Tenant tenant, Uri site, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tenant);
        ArgumentNullException.ThrowIfNull(site);
        var host = HostOf(tenant, site);
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = true, CookieContainer = new CookieContainer() };
        using var http = new HttpClient(handler) { BaseAddress = site, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Host = host;
        var login = "ipai_verify_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var signedIn = false;
        var created = false;
        string? leftBehind = null;
        try
        {
            yield return await TenantVerifier.GateAsync("sign_in", async () =>
            {
                var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
                await CreateUserAsync(tenant, login, password, cancellationToken);
                created = true;
                using var formPage = await http.GetAsync("/login", cancellationToken);
                if (!formPage.IsSuccessStatusCode) return (VerificationGate.Failed, $"GET http://{host}/login answered {(int)formPage.StatusCode} {formPage.StatusCode}");
                var token = TokenField().Match(await formPage.Content.ReadAsStringAsync(cancellationToken));
                if (!token.Success) return (VerificationGate.Failed, $"GET http://{host}/login has no sign-in form");
                using var posted = await http.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups[1].Value), ["login"] = login, ["password"] = password,
                }), cancellationToken);
                if (posted.StatusCode != HttpStatusCode.Redirect)
                {
                    return (VerificationGate.Failed, $"POST http://{host}/login as {login} answered {(int)posted.StatusCode} {posted.StatusCode}, not a redirect into the site");
                }
                using var home = await http.GetAsync("/", cancellationToken);
                var page = await home.Content.ReadAsStringAsync(cancellationToken);
                signedIn = home.StatusCode == HttpStatusCode.OK && page.Contains("Verification", StringComparison.Ordinal);
                return signedIn
                    ? (VerificationGate.Passed, $"a one-time user {login} signed in at http://{host}/login (302 → {posted.Headers.Location}), its home page 200")
                    : (VerificationGate.Failed, $"after signing in at http://{host}/login, GET / answered {(int)home.StatusCode} without the user's session");
            });
            yield return await TenantVerifier.GateAsync("dashboards_page", async () =>
            {
                if (!signedIn) return (VerificationGate.Failed, "not signed in (see sign_in)");
                using var response = await http.GetAsync("/dashboards", cancellationToken);
                var page = await response.Content.ReadAsStringAsync(cancellationToken);
                var links = DashboardLink().Matches(page).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
                return response.StatusCode == HttpStatusCode.OK
                    ? (VerificationGate.Passed, $"GET http://{host}/dashboards 200, {links.Count} dashboard(s){(links.Count > 0 ? ": " + string.Join(", ", links) : "")}")
                    : (VerificationGate.Failed, $"GET http://{host}/dashboards answered {(int)response.StatusCode}");
            });
        }
        finally
        {
            if (created) leftBehind = await TryRemoveUserAsync(tenant, login);
        }
        if (leftBehind is not null)
        {
            // Only when the one-time user could not be removed: it stays active (with a password nobody knows) until it is.
            yield return new VerificationGate(LeftBehindGate, VerificationGate.Failed, leftBehind, TimeSpan.Zero);
        }
        yield return await TenantVerifier.GateAsync("guest_token", () => GuestTokenAsync(tenant, site, host, cancellationToken));
    }

    /// <summary>The host the tenant answers at on <paramref name="site"/>: its primary domain, else its development host, with the site's port.</summary>
    private string HostOf(Tenant tenant, Uri site)
    {
        var name = TenantHosts.Of(tenant, hosts.DevelopmentSuffix) is { Count: > 0 } names ? names[0]
            : throw new InvalidOperationException($"Tenant '{tenant.Code}' has no host: give it a primary domain (`./ipai tenant update {tenant.Code} --domain …`).");
        return site.IsDefaultPort ? name : $"{name}:{site.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private async Task<(string, string)> GuestTokenAsync(Tenant tenant, Uri site, string host, CancellationToken cancellationToken)
    {
        var dashboard = (await metadata.DashboardsAsync(tenant.Code, cancellationToken)).FirstOrDefault(d => d.Embedded);
        if (dashboard is null) return (VerificationGate.Skipped, "the tenant has no embeddable dashboard");
        using var http = new HttpClient { BaseAddress = site, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Host = host;
        using var signIn = await http.PostAsJsonAsync("/api/v1/security/login",
            new { username = BiServiceAccount.Username, password = accounts.PasswordOf(tenant.Code), provider = "db", refresh = true }, cancellationToken);
        if (!signIn.IsSuccessStatusCode) return (VerificationGate.Failed, $"POST /api/v1/security/login as {BiServiceAccount.Username} answered {(int)signIn.StatusCode}");
        var access = (await signIn.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("access_token").GetString();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        var csrf = (await http.GetFromJsonAsync<JsonElement>("/api/v1/security/csrf_token/", cancellationToken)).GetProperty("result").GetString();
        http.DefaultRequestHeaders.Add("X-CSRFToken", csrf);
        var uuid = dashboard.EmbeddedUuid.ToString();
        var id = dashboard.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var issued = await http.PostAsJsonAsync("/api/v1/security/guest_token/", new
        {
            user = new { username = "ipai_verify", first_name = "Verification", last_name = "Gate" },
            resources = new[] { new { type = "dashboard", id = uuid } },
            rls = Array.Empty<object>(),
        }, cancellationToken);
        if (!issued.IsSuccessStatusCode) return (VerificationGate.Failed, $"POST /api/v1/security/guest_token/ answered {(int)issued.StatusCode}: {await issued.Content.ReadAsStringAsync(cancellationToken)}");
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;

        var parts = token.Split('.');
        if (parts.Length != 3) return (VerificationGate.Failed, "the guest token is not a JWT (header.payload.signature)");
        using var claims = JsonDocument.Parse(Base64Url(parts[1]));
        var root = claims.RootElement;
        var problems = new List<string>();
        if (!root.TryGetProperty("type", out var type) || type.GetString() != "guest") problems.Add("type is not 'guest'");
        if (!root.TryGetProperty("aud", out _)) problems.Add("no aud");
        if (!root.TryGetProperty("exp", out var exp) || exp.GetInt64() <= DateTimeOffset.UtcNow.ToUnixTimeSeconds()) problems.Add("exp is not in the future");
        if (!root.TryGetProperty("resources", out var resources) || !resources.EnumerateArray().Any(r => r.GetProperty("id").GetString() == uuid)) problems.Add($"resources do not name {uuid}");
        if (problems.Count > 0) return (VerificationGate.Failed, "guest token claims: " + string.Join("; ", problems));

        using var anonymous = new HttpClient { BaseAddress = site, Timeout = TimeSpan.FromSeconds(30) };
        anonymous.DefaultRequestHeaders.Host = host;
        var opened = await GetWithGuestTokenAsync(anonymous, id, token, cancellationToken);
        var signature = parts[2];
        var tampered = $"{parts[0]}.{parts[1]}.{(signature[0] == 'A' ? 'B' : 'A')}{signature[1..]}";
        var refused = await GetWithGuestTokenAsync(anonymous, id, tampered, cancellationToken);
        return opened == HttpStatusCode.OK && refused is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden
            ? (VerificationGate.Passed, $"a guest token for dashboard {dashboard.Slug} (embedded {uuid}): type guest, aud {root.GetProperty("aud")}, expires in {exp.GetInt64() - DateTimeOffset.UtcNow.ToUnixTimeSeconds()} s; it opens the dashboard (200), tampered it is refused ({(int)refused})")
            : (VerificationGate.Failed, $"the guest token opened the dashboard with {(int)opened}, the tampered one with {(int)refused} (expected 200 and 401/403)");
    }

    private static async Task<HttpStatusCode> GetWithGuestTokenAsync(HttpClient http, string dashboardId, string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/dashboard/{dashboardId}");
        request.Headers.Add(GuestTokenOptions.DefaultHeaderName, token);
        using var response = await http.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    private static byte[] Base64Url(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - text.Length % 4) % 4));

    /// <summary>The one-time verification user: inactive for anyone else's purposes, removed right after the gates.</summary>
    private async Task CreateUserAsync(Tenant tenant, string login, string password, CancellationToken cancellationToken)
    {
        var hash = PasswordHash.OfGeneratedSecret(password);
        await using var connection = await databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName).OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TenantContext.SetAsync(connection, transaction, tenant.Code, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO res_users (login, name, password_hash, active, is_admin) VALUES (@login, 'Verification gate', @hash, true, false)",
            new { login, hash }, transaction, cancellationToken: cancellationToken));
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Removes the one-time user; null when it is gone, else what went wrong and how to remove it by hand.</summary>
    private async Task<string?> TryRemoveUserAsync(Tenant tenant, string login)
    {
        try
        {
            await using var connection = await databases.GetAsOwner(tenant.DatabaseServer, tenant.DbName).OpenConnectionAsync(CancellationToken.None);
            await using var transaction = await connection.BeginTransactionAsync(CancellationToken.None);
            await TenantContext.SetAsync(connection, transaction, tenant.Code, CancellationToken.None);
            await connection.ExecuteAsync(new CommandDefinition("DELETE FROM res_users WHERE login = @login", new { login }, transaction));
            await transaction.CommitAsync(CancellationToken.None);
            return null;
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            return $"the one-time user {login} of {tenant.DbName} could not be removed ({(e is PostgresException pg ? pg.MessageText : e.Message)}); " +
                $"remove it: ./ipai psql {tenant.DbName} -c \"SELECT set_config('app.tenant_id', '{tenant.Code}', false); DELETE FROM res_users WHERE login = '{login}'\"";
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();

    [GeneratedRegex("href=\"/dashboards/([a-z0-9-]+)\"")]
    private static partial Regex DashboardLink();
}
