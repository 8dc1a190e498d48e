using System.Globalization;
using System.Threading.RateLimiting;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace InsightPulse.Web.Auth;

/// <summary>
/// Limits sign-in attempts per client address (<see cref="WebOptions.SignInAttemptsPerMinute"/> a minute), so that one
/// address cannot try passwords across many users faster than the per-user lockout notices. Over the limit: 429 with
/// <c>Retry-After</c>.
/// </summary>
public static class SignInRateLimit
{
    public const string Policy = "sign-in";

    public static IServiceCollection AddSignInRateLimit(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<WebOptions>>((options, web) =>
        {
            var limit = web.Value.SignInAttemptsPerMinute;
            options.AddPolicy(Policy, http => RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions { PermitLimit = limit, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
            options.OnRejected = (context, _) =>
            {
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return new ValueTask(StatusPages.Write(context.HttpContext, StatusCodes.Status429TooManyRequests, "Too many sign-in attempts",
                    "Too many sign-in attempts came from your address. Wait a minute, then try again."));
            };
        });
        return services;
    }
}
