using InsightPulse.Core.Errors;
using Npgsql;

namespace InsightPulse.Core.Postgres;

/// <summary>A migration script failed; it was rolled back whole and nothing of it is recorded.</summary>
public sealed class MigrationFailedException : OperatorException
{
    public MigrationFailedException() { }
    public MigrationFailedException(string message) : base(message) { }
    public MigrationFailedException(string message, Exception inner) : base(message, inner) { }

    public MigrationFailedException(string migration, PostgresException error)
        : base($"Migration {migration} failed and was rolled back: {error.MessageText} (SQLSTATE {error.SqlState}" +
               (error.Position > 0 ? $", at character {error.Position}" : "") + "). Fix the script and run again.", error)
    {
        Migration = migration;
    }

    public string Migration { get; } = "";
}
