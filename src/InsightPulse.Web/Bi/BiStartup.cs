using InsightPulse.Core.Bi.Security;

namespace InsightPulse.Web.Bi;

/// <summary>
/// Refuses to start a node whose guest-token settings are unusable (no secret on an external server, a published
/// default, another algorithm than HS256): <see cref="GuestTokens"/> checks them when it is made, so it is made
/// here, before the first request, instead of failing that request.
/// </summary>
public sealed class BiStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<GuestTokens>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
