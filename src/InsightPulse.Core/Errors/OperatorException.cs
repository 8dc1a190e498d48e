namespace InsightPulse.Core.Errors;

/// <summary>
/// An error an operator can act on: its message says what is wrong and what to do, as the seed's troubleshooting
/// does (cause, then fix); <see cref="Fix"/> holds the fix on its own where the thrower gave it apart. The CLI prints
/// these without a stack trace (exit 1); anything else is a bug or a server error and is described as one.
/// </summary>
public abstract class OperatorException : Exception
{
    protected OperatorException() { }

    protected OperatorException(string message) : base(message) { }

    protected OperatorException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>The message reads "<paramref name="problem"/> Fix: <paramref name="fix"/>".</summary>
    protected OperatorException(string problem, string fix, Exception? inner)
        : base($"{problem} Fix: {fix}", inner)
    {
        Fix = fix;
    }

    /// <summary>What to do, when the thrower gave it apart from the problem; otherwise it is part of the message.</summary>
    public string? Fix { get; }
}
