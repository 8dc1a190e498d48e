using System.CommandLine;
using InsightPulse.Web;
using InsightPulse.Web.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace InsightPulse.Cli.Commands;

/// <summary><c>serve</c>: the web runtime (also what <c>up</c> ends with, unless <c>--no-serve</c>).</summary>
internal static class ServeCommands
{
    public static readonly Option<string> Urls = new("--urls")
    {
        Description = $"Where to listen (default {WebOptions.DefaultUrls}: the console at http://localhost:8069, tenants at http://<code>.localhost:8069).",
        DefaultValueFactory = _ => WebOptions.DefaultUrls,
    };

    public static void Add(RootCommand root, CliContext context)
    {
        var serve = new Command("serve", "Serve the web runtime: each request goes to its tenant by host name; the operator console on the platform's host.") { Urls };
        serve.SetAction(context.Run<IConfiguration>((configuration, parse, ct) => ServeAsync(configuration, context, parse.GetValue(Urls)!, ct)));
        root.Subcommands.Add(serve);
    }

    /// <summary>Runs the web runtime with the CLI's configuration until cancelled (Ctrl+C).</summary>
    public static async Task<int> ServeAsync(IConfiguration configuration, CliContext context, string urls, CancellationToken cancellationToken)
    {
        await using var app = InsightPulseWeb.Build(configuration, urls);
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (IOException e) when (e.InnerException is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse } || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
        {
            await context.Error.WriteLineAsync($"error: {urls} is in use by another program (is the platform already being served? `make up` serves until Ctrl+C). Stop it, or serve elsewhere with --urls http://localhost:8070.");
            return ExitCode.Failure;
        }
        var port = new Uri(urls.Split(';')[0].Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal)).Port;
        await context.Error.WriteLineAsync($"Serving on {urls}: operator console http://localhost:{port}, tenants http://<code>.localhost:{port}, '_' written '-' (e.g. http://tbwa.localhost:{port}, http://afc-client.localhost:{port}). Ctrl+C stops.");
        try
        {
            await app.WaitForShutdownAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C
        }
        await app.StopAsync(CancellationToken.None);
        return ExitCode.Success;
    }
}
