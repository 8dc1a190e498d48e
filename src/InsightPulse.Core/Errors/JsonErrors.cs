using System.Text.Json;

namespace InsightPulse.Core.Errors;

/// <summary>
/// What a <see cref="JsonException"/> says, for the client who sent the JSON: where (the JSON path, the line and the
/// byte, both from 1) and what in plain words, never the .NET type names of System.Text.Json's own messages.
/// </summary>
public static class JsonErrors
{
    /// <summary>The JSON depth System.Text.Json reads by default (deeper is refused at the first level too deep).</summary>
    public const int MaxDepth = 64;

    public sealed record Position(string Path, long Line, long Byte, string Text);

    public static Position Describe(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var path = string.IsNullOrEmpty(exception.Path) ? "$" : exception.Path;
        var what = exception.Message switch
        {
            var m when m.Contains("could not be mapped to any .NET member", StringComparison.Ordinal) => $"{path} is not a field of this request",
            var m when m.Contains("could not be converted to", StringComparison.Ordinal) => $"{path} has the wrong type",
            var m when m.Contains("maximum configured depth", StringComparison.Ordinal) => $"the JSON is nested too deep (the depth limit is {MaxDepth}) at {path}",
            var m when m.IndexOf("missing required properties including: ", StringComparison.Ordinal) is var at and >= 0
                => $"{path} lacks the required {m[(at + "missing required properties including: ".Length)..].TrimEnd('.')}",
            _ => $"the JSON is not valid at {path}",
        };
        var line = (exception.LineNumber ?? 0) + 1;
        var position = (exception.BytePositionInLine ?? 0) + 1;
        return new Position(path, line, position, $"{what} (line {line}, byte {position}).");
    }
}
