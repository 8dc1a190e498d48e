namespace InsightPulse.Core.Errors;

/// <summary>
/// Input an operator or a client gave is not valid: an argument, a field's value, a file they named (an archive, a
/// module folder). Its message names the argument or field and says what is wrong. The CLI exits 2 for it, as for a
/// malformed command line (1 is for what failed while the input was fine); the web answers 400 or 422.
/// </summary>
public class InvalidInputException : OperatorException
{
    public InvalidInputException() { }

    public InvalidInputException(string message) : base(message) { }

    public InvalidInputException(string message, Exception? inner) : base(message, inner) { }
}
