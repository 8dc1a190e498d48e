using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace InsightPulse.Bench;

/// <summary>
/// Runs Debian's <c>wrk</c> against one path with a Lua script that rotates the <c>Host</c> header over the given
/// hosts (requests formatted once, in <c>init</c>, so both paths pay the same Lua cost) and prints its figures as
/// one JSON line from <c>done()</c>, which this class parses. Cancelling kills wrk.
/// </summary>
public sealed class WrkRunner(int threads, int connections)
{
    public const string Executable = "wrk";
    private const string Marker = "IPAI_WRK ";

    private const string Script = """
        local hosts = { %HOSTS% }
        local path = "%PATH%"
        local formatted = {}
        local next_index = 0

        function init(args)
          for i, host in ipairs(hosts) do
            formatted[i] = wrk.format("GET", path, { ["Host"] = host })
          end
        end

        function request()
          next_index = next_index + 1
          if next_index > #formatted then next_index = 1 end
          return formatted[next_index]
        end

        function done(summary, latency, requests)
          local e = summary.errors
          io.write(string.format(
            "IPAI_WRK {\"requests\":%.0f,\"duration_us\":%.0f,\"bytes\":%.0f,\"connect\":%.0f,\"read\":%.0f,\"write\":%.0f,\"status\":%.0f,\"timeout\":%.0f,\"p50_us\":%.0f,\"p90_us\":%.0f,\"p99_us\":%.0f,\"mean_us\":%.1f,\"max_us\":%.0f}\n",
            summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
            latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
        end
        """;

    /// <summary>Fails with a message that says how to install wrk when it is not on PATH.</summary>
    public static void EnsureInstalled()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(System.IO.Path.Combine(folder, Executable)));
        if (!found)
        {
            throw new HttpBenchmarkException("wrk is not installed: run `scripts/ensure-deps.sh wrk` as root (Debian's package `wrk`), then try again.");
        }
    }

    public async Task<WrkRun> RunAsync(int port, string path, IReadOnlyList<string> hosts, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        var script = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"ipai-bench-http-{Guid.NewGuid():N}.lua");
        var list = string.Join(", ", hosts.Select(h => "\"" + h + "\""));
        await File.WriteAllTextAsync(script, Script.Replace("%HOSTS%", list, StringComparison.Ordinal).Replace("%PATH%", path, StringComparison.Ordinal), cancellationToken);
        try
        {
            var start = new ProcessStartInfo(Executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
                "-d", $"{Math.Max(1, (int)Math.Round(duration.TotalSeconds))}s", "--latency", "-s", script,
                $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{path}",
            })
            {
                start.ArgumentList.Add(arg);
            }
            using var process = Process.Start(start) ?? throw new HttpBenchmarkException("wrk did not start.");
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            var output = await stdout;
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
            if (process.ExitCode != 0 || line is null)
            {
                throw new HttpBenchmarkException($"wrk failed (exit code {process.ExitCode}) on {path}: {Tail(await stderr + output)}");
            }
            return Parse(path, line[Marker.Length..]);
        }
        finally
        {
            File.Delete(script);
        }
    }

    internal static WrkRun Parse(string path, string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        long Count(string name) => (long)root.GetProperty(name).GetDouble();
        double Ms(string name) => root.GetProperty(name).GetDouble() / 1000.0;
        return new WrkRun(path, Count("requests"), root.GetProperty("duration_us").GetDouble() / 1_000_000.0, Count("bytes"),
            Count("connect"), Count("read"), Count("write"), Count("status"), Count("timeout"),
            Ms("p50_us"), Ms("p90_us"), Ms("p99_us"), Ms("mean_us"), Ms("max_us"));
    }

    private static string Tail(string text)
    {
        var trimmed = text.Trim();
        var builder = new StringBuilder(trimmed.Length > 600 ? "…" + trimmed[^600..] : trimmed);
        return builder.ToString();
    }
}
