using System.Diagnostics;
using System.Text;
using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.Testing;

/// <summary>
/// One `ipai serve` node as a process of its own (the ipai.dll built beside the tests) on 127.0.0.1 and a free port,
/// with the platform's settings as environment variables; ready once its <c>/readyz</c> answers 200. Disposing kills it.
/// </summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServeProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Port { get; }
    public bool HasExited => _process.HasExited;

    /// <summary>What the node wrote (its log), for a failing test's message.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<ServeProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var port = ManagedCluster.FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "ipai.dll"), "serve", "--urls", $"http://127.0.0.1:{port}" }) info.ArgumentList.Add(arg);
        CliProcess.SetEnvironment(info, settings, environment);
        var node = new ServeProcess(Process.Start(info)!, port);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(15) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (node.HasExited) break;
            try
            {
                if ((await client.GetAsync("/readyz")).IsSuccessStatusCode) return node;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet, or still starting (a busy machine)
            }
            await Task.Delay(200);
        }
        var output = node.Output;
        await node.DisposeAsync();
        throw new InvalidOperationException($"ipai serve on port {port} did not become ready:\n{output}");
    }

    /// <summary>Kills the node at once (SIGKILL): no graceful shutdown, requests in flight cut.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
