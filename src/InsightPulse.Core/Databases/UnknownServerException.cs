using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Databases;

/// <summary>A server name that is not in the fleet (<c>ipai_server</c>).</summary>
public sealed class UnknownServerException : OperatorException
{
    public UnknownServerException() { }
    public UnknownServerException(string message) : base(message) { }
    public UnknownServerException(string message, Exception inner) : base(message, inner) { }

    public static UnknownServerException Of(string name) =>
        new($"Server '{Postgres.Sql.Printable(name)}' is not in the fleet: `./ipai server list` shows the servers, `./ipai server add NAME --url postgres://…` adds one.");
}
