using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Tenants;

/// <summary>
/// Fields of a tenant's record (a user, an agency, a project, an expense) are not valid; <see cref="Errors"/> names
/// each field with what is wrong, for a form to show next to the field.
/// </summary>
public sealed class FieldValidationException(IReadOnlyList<ValidationError> errors)
    : InvalidInputException(string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}")))
{
    public IReadOnlyList<ValidationError> Errors { get; } = errors;

    public static void ThrowIfAny(List<ValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count > 0) throw new FieldValidationException(errors);
    }
}
