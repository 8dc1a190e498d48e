namespace InsightPulse.Core.Users;

/// <summary>The result of <see cref="TenantUserDirectory.SignInAsync"/>: the user on success, the lock's end when locked out.</summary>
public sealed record SignInResult(SignInOutcome Outcome, TenantUser? User = null, DateTime? LockedUntil = null);
