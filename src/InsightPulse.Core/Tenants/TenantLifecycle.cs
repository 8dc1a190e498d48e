namespace InsightPulse.Core.Tenants;

/// <summary>The legal moves between <see cref="TenantState"/>s; anything else throws, and so does suspending or archiving the platform tenant.</summary>
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

    /// <summary>Why the platform tenant is never suspended nor archived (the registry, CLI, API and console all say this).</summary>
    public const string PlatformLockOut =
        "The platform tenant holds the registry and the console: suspending or archiving it would lock every operator out. Suspend or archive the other tenants one by one instead.";

    public static bool CanMove(TenantState from, TenantState to) => Allowed[from].Contains(to);

    /// <summary>Whether the tenant with <paramref name="code"/> may ever be in <paramref name="state"/>: the platform is never suspended nor archived.</summary>
    public static bool MayBe(string code, TenantState state) =>
        code != Tenant.PlatformCode || state is not (TenantState.Suspended or TenantState.Archived);

    public static void EnsureCanMove(string code, TenantState from, TenantState to)
    {
        if (!MayBe(code, to)) throw new InvalidTenantStateException(PlatformLockOut);
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
