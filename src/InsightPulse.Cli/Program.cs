using InsightPulse.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};
return await CliApp.RunAsync(args, Console.Out, Console.Error, terminal: !Console.IsOutputRedirected, cancellationToken: cancellation.Token);
