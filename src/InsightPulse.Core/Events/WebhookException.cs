using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Events;

/// <summary>A webhook that does not exist, cannot be added as given, or has no secret to sign with.</summary>
public sealed class WebhookException : OperatorException
{
    public WebhookException() { }

    public WebhookException(string message) : base(message) { }

    public WebhookException(string message, Exception inner) : base(message, inner) { }

    public WebhookException(string problem, string fix) : base(problem, fix, null) { }
}
