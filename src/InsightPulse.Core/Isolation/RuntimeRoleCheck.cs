namespace InsightPulse.Core.Isolation;

/// <summary>
/// What <see cref="RuntimeRoleGuard"/> found for one role: each way it could bypass row-level security (with its fix),
/// and the tenant databases it could not look into because they are missing or do not answer.
/// </summary>
public sealed record RuntimeRoleCheck(IReadOnlyList<string> Problems, IReadOnlyList<UnreachableDatabase> Unreachable);

/// <summary>A tenant database that is missing or does not answer: its tenants, and why (one line, no secret).</summary>
public sealed record UnreachableDatabase(string Database, IReadOnlyList<string> Tenants, string Reason);
