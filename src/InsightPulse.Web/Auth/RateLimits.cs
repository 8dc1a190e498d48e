using System.Globalization;
using System.Threading.RateLimiting;
using InsightPulse.Web.Hosting;
using InsightPulse.Web.Markup;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace InsightPulse.Web.Auth;

/// <summary>
/// Requests per client address and minute (fixed windows): sign-in attempts (<see cref="WebOptions.SignInAttemptsPerMinute"/>,
/// so that one address cannot try passwords across many users faster than the per-user lockout notices), guest
/// tokens (<see cref="WebOptions.GuestTokensPerMinute"/>) and the APIs (<see cref="WebOptions.ApiRequestsPerMinute"/>:
/// the operator API and the Superset-shaped API). Over a limit: 429 with <c>Retry-After</c>, as a page for sign-in and
/// as problem details for the APIs.
/// </summary>
public static class RateLimits
{
    public const string SignIn = "sign-in";
    public const string GuestToken = "guest-token";
    public const string Api = "api";

    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<WebOptions>>((options, web) =>
        {
            Add(options, SignIn, web.Value.SignInAttemptsPerMinute);
            Add(options, GuestToken, web.Value.GuestTokensPerMinute);
            Add(options, Api, web.Value.ApiRequestsPerMinute);
            options.OnRejected = (context, _) =>
            {
                var http = context.HttpContext;
                var retry = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromMinutes(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var policy = http.GetEndpoint()?.Metadata.GetMetadata<EnableRateLimitingAttribute>()?.PolicyName;
                if (policy == SignIn)
                {
                    return new ValueTask(StatusPages.Write(http, StatusCodes.Status429TooManyRequests, "Too many sign-in attempts",
                        "Too many sign-in attempts came from your address. Wait a minute, then try again."));
                }
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                return new ValueTask(Results.Problem(title: "Too many requests",
                    detail: $"Too many {(policy == GuestToken ? "guest-token requests" : "API requests")} came from your address in a minute: try again in {seconds} s.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(http));
            };
        });
        return services;
    }

    private static void Add(RateLimiterOptions options, string policy, int perMinute) =>
        options.AddPolicy(policy, http => RateLimitPartition.GetFixedWindowLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
            _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 }));
}
