using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Tenants;

/// <summary>One or more fields of a tenant are invalid; <see cref="Errors"/> lists them field by field.</summary>
public sealed class TenantValidationException : InvalidInputException
{
    public TenantValidationException() { }
    public TenantValidationException(string message) : base(message) { }
    public TenantValidationException(string message, Exception inner) : base(message, inner) { }

    public TenantValidationException(IReadOnlyList<ValidationError> errors)
        : base(string.Join("\n", errors.Select(e => $"{e.Field}: {e.Message}")))
    {
        Errors = errors;
    }

    public IReadOnlyList<ValidationError> Errors { get; } = [];
}
