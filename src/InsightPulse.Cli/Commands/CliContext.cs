using System.CommandLine;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Errors;
using InsightPulse.Core.Postgres;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace InsightPulse.Cli.Commands;

/// <summary>
/// What a command works with: where it writes (standard output for results, standard error for progress and errors)
/// and its services (<see cref="Run{T}"/>).
/// </summary>
internal sealed class CliContext
{
    public CliContext(IServiceProvider services, TextWriter output, TextWriter error, bool terminal)
    {
        Services = services;
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

    /// <summary>The composition root: the only place commands' services come from, through <see cref="Run{T}"/>.</summary>
    private IServiceProvider Services { get; }

    /// <summary>
    /// A command's action with its service injected: resolved when the command runs (a command that is not run builds
    /// nothing), every failure turned into an exit code and a message for the operator (<see cref="GuardAsync"/>).
    /// </summary>
    public Func<ParseResult, CancellationToken, Task<int>> Run<T>(Func<T, ParseResult, CancellationToken, Task<int>> action) where T : notnull =>
        (parse, cancellationToken) => GuardAsync(() => action(Services.GetRequiredService<T>(), parse, cancellationToken), cancellationToken);

    /// <summary><see cref="Run{T}"/> with two services.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Run<T1, T2>(Func<T1, T2, ParseResult, CancellationToken, Task<int>> action)
        where T1 : notnull where T2 : notnull =>
        Run<T1>((first, parse, cancellationToken) => action(first, Services.GetRequiredService<T2>(), parse, cancellationToken));

    /// <summary><see cref="Run{T}"/> with three services.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Run<T1, T2, T3>(Func<T1, T2, T3, ParseResult, CancellationToken, Task<int>> action)
        where T1 : notnull where T2 : notnull where T3 : notnull =>
        Run<T1, T2>((first, second, parse, cancellationToken) => action(first, second, Services.GetRequiredService<T3>(), parse, cancellationToken));

    /// <summary><see cref="Run{T}"/> with four services.</summary>
    public Func<ParseResult, CancellationToken, Task<int>> Run<T1, T2, T3, T4>(Func<T1, T2, T3, T4, ParseResult, CancellationToken, Task<int>> action)
        where T1 : notnull where T2 : notnull where T3 : notnull where T4 : notnull =>
        Run<T1, T2, T3>((first, second, third, parse, cancellationToken) => action(first, second, third, Services.GetRequiredService<T4>(), parse, cancellationToken));

    /// <summary>
    /// Runs one audited action of a command (<see cref="AuditLog.TrackAsync{T}"/>) as <see cref="AuditActor.CommandLine"/>:
    /// its row says succeeded (with <paramref name="resultDetail"/>), refused or failed; a row that cannot be written
    /// leaves the action's outcome as it was and prints a warning.
    /// </summary>
    public Task<T> AuditedAsync<T>(string action, string? tenantCode, Func<Task<T>> work, Func<T, object?>? resultDetail = null, object? detail = null) =>
        Services.GetRequiredService<AuditLog>().TrackAsync(new AuditEvent(AuditActor.CommandLine, action, tenantCode, detail), work, resultDetail);

    /// <summary>Records an action whose outcome the command worked out itself (e.g. each tenant of <c>tenant provision --all-drafts</c>).</summary>
    public Task<bool> AuditAsync(string action, string? tenantCode, AuditOutcome outcome, object? detail = null) =>
        Services.GetRequiredService<AuditLog>().RecordAsync(new AuditEvent(AuditActor.CommandLine, action, tenantCode, detail), outcome);

    /// <summary>Prints each of <paramref name="problems"/> as a usage error; true when there was one (the command then exits 2).</summary>
    public async Task<bool> UsageErrorsAsync(IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        var any = false;
        foreach (var problem in problems)
        {
            await Error.WriteLineAsync($"usage error: {problem}");
            any = true;
        }
        return any;
    }

    /// <summary>The command-line argument that sets a tenant's field: CODE, or the option named as its column (every field has that alias).</summary>
    private static string OptionOf(string field) => field == "code" ? "CODE" : "--" + field.Replace('_', '-');

    /// <summary>
    /// Runs a command's action, turning every failure into a message for the operator: exit code 2 for input that is not
    /// valid (<see cref="InvalidInputException"/>), 1 for anything else.
    /// </summary>
    public async Task<int> GuardAsync(Func<Task<int>> action, CancellationToken cancellationToken)
    {
        try
        {
            return await action();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Error.WriteLineAsync("cancelled.");
            return ExitCode.Failure;
        }
        catch (InvalidInputException e)
        {
            // The input is not valid (a field, an argument, a file it names): a usage error, as for a malformed command line.
            if (e is TenantValidationException validation)
            {
                await Error.WriteLineAsync("usage error: the tenant is not valid:");
                foreach (var item in validation.Errors) await Error.WriteLineAsync($"  {item.Field} ({OptionOf(item.Field)}): {item.Message}");
            }
            else
            {
                await Error.WriteLineAsync($"usage error: {e.Message}");
            }
            if (Verbose) await Error.WriteLineAsync(e.ToString());
            return ExitCode.Usage;
        }
        catch (Exception e)
        {
            // Ours (OperatorException) and the two the configuration throws (a malformed POSTGRES_URL, an invalid
            // setting) say what to do; anything else is described as the server or connection error it is.
            var message = e is OperatorException or FormatException or OptionsValidationException ? e.Message : PostgresErrors.Describe(e);
            await Error.WriteLineAsync($"error: {message}");
            if (Verbose) await Error.WriteLineAsync(e.ToString());
            else if (e is not (TenantNotFoundException or TenantConflictException))
            {
                await Error.WriteLineAsync("(run again with --verbose for details)");
            }
            return ExitCode.Failure;
        }
    }
}
