using InsightPulse.Core.Bi.Security;
using InsightPulse.Core.Databases;
using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.Web.Bi;

/// <summary>The BI service's web parts: guest tokens (Superset's settings), service accounts, access tokens, the tenant pages' token cache.</summary>
public static class BiServices
{
    /// <summary>Where <c>up</c>'s local platform keeps its generated guest-token secret (mode 0600).</summary>
    public const string GuestTokenSecretName = "guest_token_jwt.secret";

    public static IServiceCollection AddBi(this IServiceCollection services)
    {
        services.AddSingleton(sp => GuestTokenOptionsFor(
            sp.GetRequiredService<IConfiguration>(), sp.GetRequiredService<IHostEnvironment>(), sp.GetRequiredService<PlatformEnvironmentSource>()));
        services.AddSingleton(sp => new GuestTokens(sp.GetRequiredService<GuestTokenOptions>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<BiServiceAccounts>();
        services.AddSingleton<BiAccessTokens>();
        services.AddSingleton<DashboardGuestTokens>();
        services.AddSingleton<GuestAccess>();
        services.AddHostedService<BiStartup>();
        return services;
    }

    /// <summary>
    /// Superset's five settings from the configuration root (environment variables of those names). Without
    /// <c>GUEST_TOKEN_JWT_SECRET</c>, the local platform (<c>make up</c>, managed cluster) uses a secret generated once
    /// into <c>.ipai/secrets/</c>; a platform on an external server (POSTGRES_URL) must be given one, since its web
    /// nodes must share it: it refuses to start without one, or with a published default.
    /// </summary>
    internal static GuestTokenOptions GuestTokenOptionsFor(IConfiguration configuration, IHostEnvironment environment, PlatformEnvironmentSource source)
    {
        var options = GuestTokenOptions.FromConfiguration(configuration, environment.IsDevelopment());
        if (string.IsNullOrEmpty(options.Secret) && source.Mode == PlatformMode.Managed)
        {
            options = options with { Secret = source.Cluster.Secrets.GetOrCreate(GuestTokenSecretName).Value };
        }
        options.ThrowIfInvalid();
        return options;
    }
}
