using System.Diagnostics;

namespace InsightPulse.Testing;

/// <summary>
/// Runs the ipai CLI as a separate process (the ipai.dll built beside the tests), for what an in-process run cannot
/// show: a process killed half-way (fault injection) or several processes at once.
/// </summary>
public static class CliProcess
{
    /// <summary>
    /// The platform's settings as the CLI reads them from the environment (POSTGRES_URL as is, the rest as
    /// IPAI__Section__Key), then <paramref name="environment"/>'s variables, into a child process's environment.
    /// </summary>
    public static void SetEnvironment(ProcessStartInfo info, IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string>? environment)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var (key, value) in settings)
        {
            info.Environment[key.Contains(':', StringComparison.Ordinal) ? "IPAI__" + key.Replace(":", "__", StringComparison.Ordinal) : key] = value ?? "";
        }
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
    }

    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ipai.dll"));
        foreach (var arg in args) info.ArgumentList.Add(arg);
        SetEnvironment(info, settings, environment);
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await output, await error);
    }
}
