namespace InsightPulse.Core.Tenants;

/// <summary>The legal moves between <see cref="TenantState"/>s; anything else throws.</summary>
public static class TenantLifecycle
{
    private static readonly Dictionary<TenantState, TenantState[]> Allowed = new()
    {
        [TenantState.Draft] = [TenantState.Provisioning, TenantState.Archived],
        // A failed run returns to Draft; a finished one makes the tenant Active.
        [TenantState.Provisioning] = [TenantState.Active, TenantState.Draft],
        // Re-provisioning (drift repair, new modules) passes through Provisioning again.
        [TenantState.Active] = [TenantState.Provisioning, TenantState.Suspended, TenantState.Archived],
        [TenantState.Suspended] = [TenantState.Active, TenantState.Archived],
        // Restoring an archived tenant provisions it again.
        [TenantState.Archived] = [TenantState.Provisioning],
    };

    public static bool CanMove(TenantState from, TenantState to) => Allowed[from].Contains(to);

    public static void EnsureCanMove(string code, TenantState from, TenantState to)
    {
        if (!CanMove(from, to))
        {
            var options = string.Join(", ", Allowed[from].Select(ToText));
            throw new InvalidTenantStateException(
                $"Tenant '{code}' is {ToText(from)} and cannot become {ToText(to)}; from {ToText(from)} it can become: {options}.");
        }
    }

    public static string ToText(TenantState state) => state.ToString().ToLowerInvariant();

    public static TenantState Parse(string text) =>
        Enum.TryParse<TenantState>(text, ignoreCase: true, out var state) && text.All(char.IsAsciiLetter)
            ? state
            : throw new ArgumentException($"'{text}' is not a tenant state (draft, provisioning, active, suspended, archived).", nameof(text));
}
