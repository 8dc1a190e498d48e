namespace InsightPulse.Core.Users;

/// <summary>What a sign-in attempt ended in.</summary>
public enum SignInOutcome
{
    Success,

    /// <summary>Unknown login, wrong password, a user without a password or an inactive user: one answer for all.</summary>
    Invalid,

    /// <summary>Too many failures in a row: refused until <see cref="SignInResult.LockedUntil"/>, even with the right password.</summary>
    LockedOut,
}
