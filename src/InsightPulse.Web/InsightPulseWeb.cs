using System.Net;
using InsightPulse.Core;
using InsightPulse.Core.ManagedPostgres;
using InsightPulse.Core.Tenants;
using InsightPulse.Core.Users;
using InsightPulse.Web.Api;
using InsightPulse.Web.Auth;
using InsightPulse.Web.Bi;
using InsightPulse.Web.Events;
using InsightPulse.Web.Finance;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using InsightPulse.Web.OperatorConsole;
using InsightPulse.Web.Pages;
using InsightPulse.Web.TenantOperations;
using InsightPulse.Web.Users;
using InsightPulse.Web.Verification;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace InsightPulse.Web;

/// <summary>The web runtime's setup: <see cref="AddInsightPulseWeb"/> on the builder, <see cref="UseInsightPulseWeb"/> on the app.</summary>
public static class InsightPulseWeb
{
    /// <summary>
    /// The web runtime inside another process (the CLI's <c>serve</c> and <c>up</c>, <c>bench http</c>, browser tests):
    /// the host's defaults, then <paramref name="configuration"/>, listening on <paramref name="urls"/>; with
    /// <paramref name="quiet"/>, logging at Warning. Not started.
    /// </summary>
    public static WebApplication Build(IConfiguration configuration, string urls, bool quiet = false)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory, Args = [] });
        builder.Configuration.AddConfiguration(configuration);
        if (quiet)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Warning",
            });
        }
        builder.WebHost.UseUrls(urls);
        builder.AddInsightPulseWeb();
        var app = builder.Build();
        app.UseInsightPulseWeb();
        return app;
    }

    public static WebApplicationBuilder AddInsightPulseWeb(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configuration.AddEnvironmentVariables(prefix: "IPAI__");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var services = builder.Services;
        services.AddInsightPulseCore(builder.Configuration);
        services.AddOptions<WebOptions>().BindConfiguration(WebOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp =>
        {
            var web = sp.GetRequiredService<IOptions<WebOptions>>().Value;
            return new TenantHostOptions(web.DevelopmentSuffix, string.IsNullOrWhiteSpace(web.DbFilter) ? null : web.DbFilter);
        });
        services.AddSingleton(sp =>
        {
            var web = sp.GetRequiredService<IOptions<WebOptions>>().Value;
            return new LockoutPolicy(web.LockoutThreshold, TimeSpan.FromMinutes(web.LockoutMinutes));
        });
        services.AddSingleton<TenantRouteTable>();
        services.AddSingleton<TenantAvailability>();
        services.AddHostedService<WebStartup>();
        services.AddTenantOperations();
        services.AddTenantApi();
        services.AddBi();
        services.AddSingleton<EventDispatcher>();
        services.AddSingleton<SiteGates>().AddSingleton<FleetVerifier>();
        services.AddHostedService(sp => sp.GetRequiredService<EventDispatcher>());

        // Session and form keys survive restarts: kept with the local state, readable by this user only.
        // Session and form keys in the platform database: every node reads the same ring (PostgresKeyRepository).
        services.AddDataProtection().SetApplicationName("InsightPulse");
        services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(sp => new ConfigureOptions<KeyManagementOptions>(options =>
            options.XmlRepository = new PostgresKeyRepository(sp.GetRequiredService<InsightPulse.Core.Databases.PlatformDatabases>(), FormerKeyFolder(builder.Configuration))));
        services.AddAuthentication(SessionClaims.Scheme).AddCookie(SessionClaims.Scheme, options =>
        {
            options.Cookie.Name = SessionClaims.CookieName;
            options.Cookie.HttpOnly = true;
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.Domain = null; // bound to the host that issued it: one tenant's cookie never travels to another's
            options.LoginPath = "/login";
            options.AccessDeniedPath = "/denied";
            options.ExpireTimeSpan = TimeSpan.FromMinutes(builder.Configuration.GetValue($"{WebOptions.Section}:SessionMinutes", 8 * 60));
            options.SlidingExpiration = true;
            options.EventsType = typeof(SessionValidation);
        });
        services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new Microsoft.AspNetCore.Authorization.AuthorizationPolicyBuilder(SessionClaims.Scheme).RequireAuthenticatedUser().Build())
            .AddPolicy(WebAuthorization.Admin, policy => policy.AddAuthenticationSchemes(SessionClaims.Scheme).RequireRole(SessionClaims.AdminRole));
        services.AddSingleton<SessionValidation>();
        services.AddRateLimits();
        // A request that cannot be bound (not JSON, a wrong type, a stale form token) throws, so ErrorPages answers it naming what was wrong.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "ipai_antiforgery";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            options.Cookie.SameSite = SameSiteMode.Strict;
        });
        var proxies = builder.Configuration.GetSection($"{WebOptions.Section}:{nameof(WebOptions.TrustedProxies)}").Get<string[]>() ?? [];
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            foreach (var proxy in proxies) options.KnownProxies.Add(IPAddress.Parse(proxy));
            options.ForwardLimit = 1;
        });
        return builder;
    }

    public static WebApplication UseInsightPulseWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // X-Forwarded-* is believed only from the proxies named in Web:TrustedProxies (none by default).
        if (app.Services.GetRequiredService<IOptions<WebOptions>>().Value.TrustedProxies.Length > 0) app.UseForwardedHeaders();
        app.UseExceptionHandler(new ExceptionHandlerOptions { ExceptionHandler = ErrorPages.WriteAsync, SuppressDiagnosticsCallback = ErrorPages.IsClientError });
        // An error status without a body (a route that did not match, Results.NotFound()) gets the page or problem document of its status.
        app.UseStatusCodePages(context => context.HttpContext.Response.HasStarted ? Task.CompletedTask : StatusPages.WriteDefault(context.HttpContext));
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseMiddleware<TenantResolutionMiddleware>();
        app.UseRouting();
        app.UseRoutingRejections();
        app.UsePlatformOnlyEndpoints();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.MapHealth();
        app.MapAssets();
        app.MapSignIn();
        app.MapHome();
        app.MapUserPages();
        app.MapOperatorConsole();
        app.MapEventConsole();
        app.MapTenantApi();
        app.MapFinancePages();
        app.MapDashboardPages();
        app.MapSupersetApi();
        app.MapSupersetManagementApi();
        app.MapEmbeddedDashboards();
        return app;
    }

    /// <summary>Where a node of an earlier build kept its keys (<c>.ipai/web-keys</c>): copied into the database once.</summary>
    private static DirectoryInfo FormerKeyFolder(ConfigurationManager configuration)
    {
        var local = configuration.GetSection(LocalOptions.Section).Get<LocalOptions>() ?? new LocalOptions();
        return new DirectoryInfo(Path.Combine(local.ResolveHome(), "web-keys"));
    }
}
