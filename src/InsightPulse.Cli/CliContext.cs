using Spectre.Console;

namespace InsightPulse.Cli;

/// <summary>Where a command writes: standard output for results, standard error for progress and errors.</summary>
internal sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool terminal)
    {
        Output = output;
        Error = error;
        Terminal = terminal;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!terminal) Console.Profile.Width = 160;
    }

    public TextWriter Output { get; }

    /// <summary>Output goes to a terminal: progress bars and colours are welcome.</summary>
    public bool Terminal { get; }
    public TextWriter Error { get; }

    /// <summary>Tables, written to <see cref="Output"/>.</summary>
    public IAnsiConsole Console { get; }

    public bool Verbose { get; set; }
}
