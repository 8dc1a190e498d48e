using System.Text.Json;
using InsightPulse.Cli;

namespace InsightPulse.Testing;

/// <summary>Runs the ipai CLI in-process and captures its exit code and output.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await CliApp.RunAsync(args, output, error, settings);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    public JsonElement Json() => JsonDocument.Parse(Output).RootElement;

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Output}\nstderr:\n{Error}";
}
