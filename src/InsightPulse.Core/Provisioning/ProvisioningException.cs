namespace InsightPulse.Core.Provisioning;

/// <summary>Provisioning cannot go on; the message gives the cause and the fix.</summary>
public sealed class ProvisioningException : Exception
{
    public ProvisioningException() { }
    public ProvisioningException(string message) : base(message) { }
    public ProvisioningException(string message, Exception inner) : base(message, inner) { }
}
