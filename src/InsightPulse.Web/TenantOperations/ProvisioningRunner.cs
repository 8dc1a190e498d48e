using System.Collections.Concurrent;
using System.Threading.Channels;
using InsightPulse.Core.Audit;
using InsightPulse.Core.Provisioning;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// Runs the provisioning that operators start from the console or the API, in the background of the web node
/// (a hosted service: a run goes on when the browser that started it closes, and ends with the node). One run per
/// tenant at a time here; across processes the provisioner's advisory lock queues a run behind one started
/// elsewhere (e.g. by the CLI). Progress is journaled by the provisioner; <see cref="ProvisioningEvents"/> reads it.
/// Each run goes to the audit trail when it ends, as the operator who started it.
/// </summary>
public sealed partial class ProvisioningRunner(TenantProvisioner provisioner, AuditLog audit, ILogger<ProvisioningRunner> logger) : BackgroundService
{
    /// <summary>Runs at once across tenants: provisioning is heavy (CREATE DATABASE, migrations), the node also serves pages.</summary>
    public const int MaxParallelRuns = 2;

    private readonly Channel<(string Code, AuditActor Actor)> _queue = Channel.CreateUnbounded<(string Code, AuditActor Actor)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, byte> _busy = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _failures = new(StringComparer.Ordinal);

    /// <summary>Queues a run for <paramref name="code"/>, started by <paramref name="actor"/>; false when one is already queued or running here.</summary>
    public bool TryStart(string code, AuditActor actor)
    {
        if (!_busy.TryAdd(code, 0)) return false;
        _failures.TryRemove(code, out _);
        if (_queue.Writer.TryWrite((code, actor))) return true;
        _busy.TryRemove(code, out _);
        return false;
    }

    /// <summary>Whether a run of <paramref name="code"/> is queued or running in this node.</summary>
    public bool IsBusy(string code) => _busy.ContainsKey(code);

    /// <summary>Why the last run started here failed, when it failed before or outside the journal (e.g. a missing tenant).</summary>
    public string? LastFailure(string code) => _failures.GetValueOrDefault(code);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(MaxParallelRuns);
        var running = new List<Task>();
        try
        {
            await foreach (var (code, actor) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await slots.WaitAsync(stoppingToken);
                running.RemoveAll(t => t.IsCompleted);
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await RunAsync(code, actor, stoppingToken);
                    }
                    finally
                    {
                        slots.Release();
                    }
                }, CancellationToken.None));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The node stops: runs in flight see the same token and end; the next run completes what they left.
        }
        await Task.WhenAll(running);
    }

    private async Task RunAsync(string code, AuditActor actor, CancellationToken stoppingToken)
    {
        try
        {
            Log.Started(logger, code);
            var result = await audit.TrackAsync(new AuditEvent(actor, AuditActions.TenantProvisioned, code), () => provisioner.ProvisionAsync(code, new TenantProvisioner.Options(),
                step => Log.Step(logger, code, step.Step, (long)step.Elapsed.TotalMilliseconds),
                wait => Log.Waiting(logger, code, wait), stoppingToken), r => r.AuditDetail());
            Log.Finished(logger, code, result.RunId);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            Log.Interrupted(logger, code);
        }
        catch (Exception e)
        {
            _failures[code] = e.Message;
            Log.Failed(logger, code, e);
        }
        finally
        {
            _busy.TryRemove(code, out _);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3001, LogLevel.Information, "Provisioning of tenant {Tenant} started from the console")]
        public static partial void Started(ILogger logger, string tenant);

        [LoggerMessage(3002, LogLevel.Information, "Provisioning of tenant {Tenant}: step {Step} done in {Milliseconds} ms")]
        public static partial void Step(ILogger logger, string tenant, string step, long milliseconds);

        [LoggerMessage(3003, LogLevel.Information, "Provisioning of tenant {Tenant} waits: {Reason}")]
        public static partial void Waiting(ILogger logger, string tenant, string reason);

        [LoggerMessage(3004, LogLevel.Information, "Provisioning of tenant {Tenant} finished: run {RunId}")]
        public static partial void Finished(ILogger logger, string tenant, Guid runId);

        [LoggerMessage(3005, LogLevel.Error, "Provisioning of tenant {Tenant} failed")]
        public static partial void Failed(ILogger logger, string tenant, Exception error);

        [LoggerMessage(3006, LogLevel.Warning, "Provisioning of tenant {Tenant} interrupted: the node is stopping")]
        public static partial void Interrupted(ILogger logger, string tenant);
    }
}
