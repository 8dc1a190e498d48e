using Microsoft.Extensions.Logging;

namespace InsightPulse.Cli;

/// <summary>
/// The command line's log: warnings and errors of Core services (e.g. an audit row that could not be written) as
/// <c>warning: …</c> lines on standard error, beside the command's own messages; nothing below a warning.
/// </summary>
internal sealed class StandardErrorLogger(TextWriter error) : ILoggerProvider, ILogger
{
    public ILogger CreateLogger(string categoryName) => this;

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel is >= LogLevel.Warning and < LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel)) return;
        lock (error) error.WriteLine($"{(logLevel == LogLevel.Warning ? "warning" : "error")}: {formatter(state, exception)}");
    }

    public void Dispose() { }
}
