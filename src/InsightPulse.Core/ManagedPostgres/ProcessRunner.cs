using System.Diagnostics;

namespace InsightPulse.Core.ManagedPostgres;

/// <summary>Runs a program to completion, optionally as another system user (when we are root).</summary>
public static class ProcessRunner
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static async Task<Result> RunAsync(
        string program,
        IEnumerable<string> arguments,
        string? asUser = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        if (asUser is null)
        {
            info.FileName = program;
        }
        else
        {
            info.FileName = "runuser";
            info.ArgumentList.Add("-u");
            info.ArgumentList.Add(asUser);
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(program);
        }
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        if (environment is not null)
        {
            foreach (var (key, value) in environment) info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {program}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new Result(process.ExitCode, await output, await error);
    }

    /// <summary>Runs and throws with the program's own last lines when it fails.</summary>
    public static async Task<Result> RunCheckedAsync(
        string program,
        IEnumerable<string> arguments,
        string? asUser = null,
        string? workingDirectory = null,
        CancellationToken cancellationToken = default)
    {
        var result = await RunAsync(program, arguments, asUser, null, workingDirectory, cancellationToken);
        if (result.ExitCode != 0)
        {
            var detail = string.Join('\n', (result.Error + "\n" + result.Output)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(6));
            throw new ManagedClusterException($"{Path.GetFileName(program)} failed (exit {result.ExitCode}): {detail}");
        }
        return result;
    }
}
