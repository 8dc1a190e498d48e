using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Bi.Security;

/// <summary>
/// The guest-token settings cannot be used (a missing or published secret outside Development, an algorithm other
/// than HS256, …). Each problem names the setting and the fix; none contains the secret.
/// </summary>
public sealed class GuestTokenConfigurationException : OperatorException
{
    public GuestTokenConfigurationException() { }

    public GuestTokenConfigurationException(string message) : base(message) { }

    public GuestTokenConfigurationException(string message, Exception inner) : base(message, inner) { }

    public GuestTokenConfigurationException(IReadOnlyList<string> problems)
        : base("The guest-token settings cannot be used:\n" + string.Join("\n", problems ?? [])) =>
        Problems = problems ?? [];

    /// <summary>One message per problem, each with its fix.</summary>
    public IReadOnlyList<string> Problems { get; } = [];
}
