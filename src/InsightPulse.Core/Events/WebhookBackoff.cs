namespace InsightPulse.Core.Events;

/// <summary>
/// When a failed delivery is tried again: exponential backoff with "equal jitter" (half the delay fixed, half random),
/// so that many deliveries failed at once by one outage do not come back at once; a receiver's <c>Retry-After</c>
/// is honoured when it asks for longer, up to the cap.
/// </summary>
public static class WebhookBackoff
{
    /// <summary>The delay after the <paramref name="failedAttempts"/>-th failed attempt (1 = the first).</summary>
    public static TimeSpan Delay(int failedAttempts, double baseSeconds, double maxSeconds, TimeSpan? retryAfter, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        if (random is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(random), random, "A random number in [0, 1).");
        var exponential = Math.Min(maxSeconds, baseSeconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30)));
        var seconds = exponential / 2 + random * exponential / 2;
        if (retryAfter is { } asked) seconds = Math.Max(seconds, Math.Min(asked.TotalSeconds, maxSeconds));
        return TimeSpan.FromSeconds(seconds);
    }
}
