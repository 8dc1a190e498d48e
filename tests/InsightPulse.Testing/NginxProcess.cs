using System.Diagnostics;
using InsightPulse.Core.ManagedPostgres;

namespace InsightPulse.Testing;

/// <summary>
/// Debian's nginx as a process of the test (never its system service): a folder of its own under the temp folder, one
/// server on 127.0.0.1 and a free port proxying round robin to the given upstream ports, passing the Host header on,
/// retrying the next upstream when one fails to answer (as a deployment would), and naming the upstream that answered
/// in <c>X-Upstream</c>. Disposing stops it and removes the folder.
/// </summary>
public sealed class NginxProcess : IAsyncDisposable
{
    public const string Executable = "/usr/sbin/nginx";

    private readonly Process _process;
    private readonly string _prefix;

    private NginxProcess(Process process, string prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        Port = port;
    }

    public int Port { get; }

    public static async Task<NginxProcess> StartAsync(IReadOnlyList<int> upstreams)
    {
        ArgumentNullException.ThrowIfNull(upstreams);
        if (!File.Exists(Executable)) throw new InvalidOperationException("nginx is not installed: run `scripts/ensure-deps.sh nginx` as root (make test does).");
        var prefix = PostgresFixture.NewTempFolder("ipai-test-nginx");
        Directory.CreateDirectory(Path.Combine(prefix, "logs"));
        var port = ManagedCluster.FreePort();
        var servers = string.Join("\n", upstreams.Select(p => $"        server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;"));
        await File.WriteAllTextAsync(Path.Combine(prefix, "nginx.conf"), $$"""
            worker_processes 1;
            error_log {{prefix}}/logs/error.log warn;
            pid {{prefix}}/nginx.pid;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/client_body;
                proxy_temp_path {{prefix}}/proxy;
                fastcgi_temp_path {{prefix}}/fastcgi;
                uwsgi_temp_path {{prefix}}/uwsgi;
                scgi_temp_path {{prefix}}/scgi;
                upstream ipai {
            {{servers}}
                }
                server {
                    listen 127.0.0.1:{{port}};
                    location / {
                        proxy_pass http://ipai;
                        proxy_set_header Host $http_host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_next_upstream error timeout http_502 http_503;
                        proxy_connect_timeout 2s;
                        add_header X-Upstream $upstream_addr always;
                    }
                }
            }
            """);
        var info = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-p", prefix, "-c", Path.Combine(prefix, "nginx.conf"), "-g", "daemon off;" }) info.ArgumentList.Add(arg);
        var nginx = new NginxProcess(Process.Start(info)!, prefix, port);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 100; i++)
        {
            if (nginx._process.HasExited) break;
            try
            {
                await client.GetAsync($"http://127.0.0.1:{port}/healthz");
                return nginx;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await Task.Delay(100);
            }
        }
        var log = File.Exists(Path.Combine(prefix, "logs", "error.log")) ? await File.ReadAllTextAsync(Path.Combine(prefix, "logs", "error.log")) : "";
        await nginx.DisposeAsync();
        throw new InvalidOperationException($"nginx did not start on port {port}: {log}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        if (Directory.Exists(_prefix)) Directory.Delete(_prefix, recursive: true);
    }
}
