using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using InsightPulse.Core.Bi.Security;
using InsightPulse.Web.Bi;

namespace InsightPulse.Web.Tests;

/// <summary>What a tenant's back end does before it asks for guest tokens: sign in as the service account, then take the CSRF token.</summary>
public static class BiServiceSignIn
{
    /// <summary>Signs <paramref name="client"/> (at a tenant's host) in as its <c>bi_service</c> account and adds the bearer and CSRF headers.</summary>
    public static async Task<HttpClient> SignInAsync(HttpClient client, string password)
    {
        ArgumentNullException.ThrowIfNull(client);
        var login = await client.PostAsJsonAsync("/api/v1/security/login", new { username = BiServiceAccount.Username, password, provider = "db", refresh = true });
        Assert.Equal(HttpStatusCode.OK, login.StatusCode);
        var access = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", access);
        var csrf = (await client.GetFromJsonAsync<JsonElement>("/api/v1/security/csrf_token/")).GetProperty("result").GetString();
        client.DefaultRequestHeaders.Add("X-CSRFToken", csrf);
        return client;
    }
}
