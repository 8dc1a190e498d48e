using System.Net.Sockets;
using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>Turns PostgreSQL and connection errors into one line an operator can act on (cause, then fix).</summary>
public static class PostgresErrors
{
    public static string Describe(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            PostgresException { SqlState: PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification } =>
                "authentication failed: check the user and password (POSTGRES_URL, or .ipai/secrets for the managed cluster).",
            PostgresException { SqlState: PostgresErrorCodes.InvalidCatalogName } e =>
                $"{e.MessageText}: run `make up` to create the platform's databases.",
            PostgresException { SqlState: PostgresErrorCodes.InsufficientPrivilege } e =>
                $"{e.MessageText}: the role this command connects as lacks that privilege: grant it, or connect as a role that has it (POSTGRES_URL's user).",
            PostgresException { SqlState: PostgresErrorCodes.TooManyConnections } =>
                "the server has no connection slot left: close idle clients or raise max_connections.",
            PostgresException { SqlState: PostgresErrorCodes.CannotConnectNow } =>
                "the server is starting up or shutting down: try again in a few seconds.",
            PostgresException e => $"{e.MessageText} (SQLSTATE {e.SqlState}).",
            NpgsqlException { InnerException: SocketException s } =>
                $"no server answers ({s.SocketErrorCode}): is it running? `./ipai status` tells, `make up` starts it.",
            NpgsqlException { InnerException: TimeoutException } or TimeoutException =>
                "the server did not answer in time: check the host, port and network.",
            NpgsqlException e when e.InnerException is not null => Describe(e.InnerException),
            _ => error.Message,
        };
    }
}
