using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Provisioning;

/// <summary>Provisioning cannot go on; the message gives the cause and the fix.</summary>
public sealed class ProvisioningException : OperatorException
{
    public ProvisioningException() { }
    public ProvisioningException(string message) : base(message) { }
    public ProvisioningException(string message, Exception inner) : base(message, inner) { }
    public ProvisioningException(string problem, string fix) : base(problem, fix, null) { }
}
