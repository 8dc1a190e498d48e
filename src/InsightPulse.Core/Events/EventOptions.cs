using System.ComponentModel.DataAnnotations;

namespace InsightPulse.Core.Events;

/// <summary>The event dispatcher and webhook deliveries (configuration section <c>Events</c>).</summary>
public sealed class EventOptions
{
    public const string Section = "Events";

    /// <summary>Whether this web node takes part in dispatching (one node dispatches at a time; the others stand by).</summary>
    public bool Dispatcher { get; set; } = true;

    /// <summary>How often the dispatcher looks for work when no notification wakes it, and how often a stand-by node asks for leadership.</summary>
    [Range(0.05, 300)]
    public double PollSeconds { get; set; } = 2;

    /// <summary>The first retry's delay; each further retry doubles it (with jitter), up to <see cref="RetryMaxSeconds"/>.</summary>
    [Range(0.01, 3600)]
    public double RetryBaseSeconds { get; set; } = 10;

    [Range(0.01, 86400)]
    public double RetryMaxSeconds { get; set; } = 3600;

    /// <summary>Attempts per delivery before it is given up as failed.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>One attempt's time limit (connect, send, answer).</summary>
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 10;
}
