namespace InsightPulse.Core.Users;

/// <summary>The fields of a user an administrator creates; <see cref="Password"/> is hashed, never stored.</summary>
public sealed record NewUser(string Login, string Name, string? Email, string Password, bool IsAdmin = false);
