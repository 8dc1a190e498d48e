using InsightPulse.Core.Errors;
using InsightPulse.Core.Postgres;
using Npgsql;

namespace InsightPulse.Core.Isolation;

/// <summary>
/// A tenant's store could not be reached (its database is missing, refuses connections, or a connection attempt timed
/// out): that tenant is unavailable for now, the others are not. The web host answers 503 with <c>Retry-After</c>.
/// </summary>
public sealed class TenantDatabaseUnavailableException : OperatorException
{
    public TenantDatabaseUnavailableException() { }
    public TenantDatabaseUnavailableException(string message) : base(message) { }
    public TenantDatabaseUnavailableException(string message, Exception inner) : base(message, inner) { }

    public TenantDatabaseUnavailableException(string tenantCode, string database, Exception inner)
        : base($"Tenant '{tenantCode}' cannot be reached: database {database}: {PostgresErrors.Describe(inner)}", inner)
    {
        TenantCode = tenantCode;
        Database = database;
        Reason = PostgresErrors.Describe(inner);
        // 08P01 is how PgBouncer answers a login to a database whose server logins keep failing (server_login_retry).
        OfThisTenant = inner is PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.ObjectNotInPrerequisiteState or PostgresErrorCodes.ProtocolViolation }
            or NpgsqlException { InnerException: TimeoutException } or TimeoutException
            || IsConnectRevoked(inner);
    }

    /// <summary>CONNECT on the database revoked from the role: a tenant frozen while <c>tenant move</c> copies it (only a login meets this).</summary>
    public static bool IsConnectRevoked(Exception error) =>
        error is PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } e && e.MessageText.StartsWith("permission denied for database", StringComparison.Ordinal);

    /// <summary>
    /// Whether the failure is this tenant's own (its database is missing, takes no connections, or a login to it timed
    /// out, which is how a pooler answers for a missing database), rather than the whole server's (no slot, restart).
    /// </summary>
    public bool OfThisTenant { get; }

    public string TenantCode { get; } = "";
    public string Database { get; } = "";
    public string Reason { get; } = "";

    /// <summary>
    /// Whether opening a connection failed because the database cannot be reached (missing, not accepting
    /// connections, no answer in time, no server), as opposed to a bad password or a bug.
    /// </summary>
    public static bool IsConnectionFailure(Exception error) => error switch
    {
        ConnectionBudgetExhaustedException => true,
        // CONNECT revoked from the runtime roles: the tenant is frozen (`tenant move`).
        PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } => IsConnectRevoked(error),
        PostgresException e => e.SqlState is PostgresErrorCodes.InvalidCatalogName or PostgresErrorCodes.CannotConnectNow
            or PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.ConnectionFailure or PostgresErrorCodes.AdminShutdown
            or PostgresErrorCodes.ObjectNotInPrerequisiteState or PostgresErrorCodes.ProtocolViolation,
        NpgsqlException or TimeoutException => true,
        _ => false,
    };
}
