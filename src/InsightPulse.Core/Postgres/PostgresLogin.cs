namespace InsightPulse.Core.Postgres;

/// <summary>A role name and its password. <see cref="ToString"/> never shows the password.</summary>
public sealed record PostgresLogin(string Username, string Password)
{
    public override string ToString() => $"{Username}:***";
}
