using InsightPulse.Core.Errors;

namespace InsightPulse.Core.Postgres;

/// <summary>An applied migration's file was edited afterwards; applied scripts are immutable.</summary>
public sealed class MigrationChecksumException : OperatorException
{
    public MigrationChecksumException() { }
    public MigrationChecksumException(string message) : base(message) { }
    public MigrationChecksumException(string message, Exception inner) : base(message, inner) { }
}
