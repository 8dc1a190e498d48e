using System.Globalization;
using InsightPulse.Core.Users;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Markup;
using Microsoft.AspNetCore.Authentication;

namespace InsightPulse.Web.Pages;

/// <summary><c>/login</c> and <c>/logout</c> of every tenant, against the tenant database's <c>res_users</c>.</summary>
public static partial class SignInPages
{
    public static IEndpointRouteBuilder MapSignIn(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/login", (PageContext page, string? returnUrl) =>
            page.SignedIn ? Results.LocalRedirect(SafeReturnUrl(returnUrl)) : LoginPage(page, null, returnUrl, null)).AllowAnonymous();
        endpoints.MapPost("/login", SignInAsync).AllowAnonymous().RequireRateLimiting(RateLimits.SignIn);
        endpoints.MapPost("/logout", async (HttpContext http, IFormCollection _, WebSessions sessions) =>
        {
            // The server-side session ends: a copy of the cookie is refused from now on, on every node.
            if (http.User.FindFirst(SessionClaims.Session)?.Value is { } session) await sessions.EndAsync(session, SessionEnd.SignedOut, http.RequestAborted);
            await http.SignOutAsync(SessionClaims.Scheme);
            return Results.Redirect("/login");
        }).AllowAnonymous();
        endpoints.MapGet("/denied", (PageContext page) => HtmlResults.Page(Layout.Page(page, "Not allowed",
            Html.Of($"<div class=\"card\"><p>Your account may not open this page. Ask an administrator of {page.Tenant.Name}.</p></div>")), StatusCodes.Status403Forbidden));
        return endpoints;
    }

    private static async Task<IResult> SignInAsync(PageContext page, IFormCollection form, TenantUserDirectory users, WebSessions sessions, ILogger<TenantUserDirectory> logger)
    {
        string login = form["login"].ToString(), returnUrl = form["returnUrl"].ToString();
        var result = await users.SignInAsync(page.Tenant, login, form["password"].ToString(), page.Http.RequestAborted);
        switch (result.Outcome)
        {
            case SignInOutcome.Success:
                var session = await sessions.StartAsync(page.Tenant.Code, result.User!.Id, page.Http.RequestAborted);
                await page.Http.SignInAsync(SessionClaims.Scheme, SessionClaims.For(page.Tenant, result.User!, session),
                    new AuthenticationProperties { IsPersistent = false });
                Log.SignedIn(logger, page.Tenant.Code, result.User!.Id);
                return Results.LocalRedirect(SafeReturnUrl(returnUrl));
            case SignInOutcome.LockedOut:
                Log.LockedOut(logger, page.Tenant.Code);
                var minutes = Math.Max(1, (int)Math.Ceiling((result.LockedUntil!.Value - DateTime.UtcNow).TotalMinutes));
                return LoginPage(page, login, returnUrl,
                    $"Too many failed sign-ins: this account is locked for {minutes.ToString(CultureInfo.InvariantCulture)} more minute(s). Try again later or ask an administrator.");
            default:
                Log.SignInFailed(logger, page.Tenant.Code);
                return LoginPage(page, login, returnUrl, "Wrong login or password.");
        }
    }

    private static IResult LoginPage(PageContext page, string? login, string? returnUrl, string? error) =>
        HtmlResults.Page(HtmlDocument.Page($"Sign in · {page.Tenant.Name}", Html.Of($"""
            <main class="narrow">
              <div class="card">
                <p class="muted">Sign in to</p>
                <h1 data-testid="tenant-name">{page.Tenant.Name}</h1>
                <p><span class="badge" data-testid="tenant-domain">{page.Host}</span></p>
                {Html.When(error is not null, Html.Of($"<div class=\"alert\" role=\"alert\"><p>{error}</p></div>"))}
                <form method="post" action="/login">
                  {page.FormToken()}
                  <input type="hidden" name="returnUrl" value="{SafeReturnUrl(returnUrl)}">
                  {FormFields.Field("login", "Login", login, required: true, extra: "autocomplete=\"username\" autofocus")}
                  {FormFields.Field("password", "Password", null, type: "password", required: true, extra: "autocomplete=\"current-password\"")}
                  <div class="actions"><button type="submit" class="primary">Sign in</button></div>
                </form>
              </div>
            </main>
            """)), error is null ? StatusCodes.Status200OK : StatusCodes.Status401Unauthorized);

    /// <summary>A path on this site to go back to after signing in; anything else (another site, <c>//host</c>) becomes <c>/</c>.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && (returnUrl.Length == 1 || (returnUrl[1] != '/' && returnUrl[1] != '\\'))
            && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : "/";

    private static partial class Log
    {
        [LoggerMessage(1001, LogLevel.Information, "Signed in to tenant {Tenant}: user {UserId}")]
        public static partial void SignedIn(ILogger logger, string tenant, long userId);

        [LoggerMessage(1002, LogLevel.Warning, "Failed sign-in to tenant {Tenant}")]
        public static partial void SignInFailed(ILogger logger, string tenant);

        [LoggerMessage(1003, LogLevel.Warning, "Sign-in refused: a user of tenant {Tenant} is locked out")]
        public static partial void LockedOut(ILogger logger, string tenant);
    }
}
