namespace InsightPulse.Core.Users;

/// <summary>After <paramref name="Threshold"/> failed sign-ins in a row a user is locked out for <paramref name="Duration"/>.</summary>
public sealed record LockoutPolicy(int Threshold, TimeSpan Duration)
{
    public static readonly LockoutPolicy Default = new(5, TimeSpan.FromMinutes(15));
}
