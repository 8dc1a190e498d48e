using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using InsightPulse.Core.Provisioning;
using InsightPulse.Core.Tenants;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace InsightPulse.Web.TenantOperations;

/// <summary>
/// The server-sent events of a tenant's provisioning: a <c>step</c> event per finished step (a
/// <see cref="ProvisionRunStep"/>, in order), then one <c>state</c> event (<see cref="TenantStateEvent"/>) when the run
/// has ended. It follows the journal, so it shows a run started by this node, another node or the CLI alike; while
/// this node has a run queued it waits for that run rather than replaying the previous one.
/// </summary>
public sealed class ProvisioningEvents(ProvisioningJournal journal, ProvisioningRunner runner, TenantRegistry registry, IOptions<JsonOptions> json)
{
    public const string StepEvent = "step";
    public const string StateEvent = "state";
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    /// <summary>A run whose process died stays open in the journal: a stream gives up following it after this long.</summary>
    public static readonly TimeSpan MaxFollow = TimeSpan.FromMinutes(30);

    public IResult Stream(string code, CancellationToken cancellationToken) => TypedResults.ServerSentEvents(EventsAsync(code, cancellationToken));

    public async IAsyncEnumerable<SseItem<string>> EventsAsync(string code, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var options = json.Value.SerializerOptions;
        var giveUp = DateTimeOffset.UtcNow + MaxFollow;
        Guid? followed = null;
        var sent = 0;
        while (true)
        {
            var busy = runner.IsBusy(code);
            var run = await journal.LatestRunAsync(code, cancellationToken);
            // A finished run while ours is queued is the previous one: wait for ours.
            if (run is not null && !(busy && run.Finished))
            {
                if (followed != run.Id)
                {
                    followed = run.Id;
                    sent = 0;
                }
                foreach (var step in run.Steps.Where(s => s.Position > sent).TakeWhile(s => s.Finished))
                {
                    sent = step.Position;
                    yield return new SseItem<string>(JsonSerializer.Serialize(step, options), StepEvent) { EventId = $"{run.Id}:{step.Position}" };
                }
            }
            var ended = !busy && (run is null || run.Finished);
            if (ended || DateTimeOffset.UtcNow > giveUp)
            {
                var tenant = await registry.FindAsync(code, cancellationToken);
                var state = new TenantStateEvent(code, tenant is null ? "missing" : TenantLifecycle.ToText(tenant.State), run?.Id, run?.Outcome,
                    runner.LastFailure(code) ?? run?.Error);
                yield return new SseItem<string>(JsonSerializer.Serialize(state, options), StateEvent);
                yield break;
            }
            await Task.Delay(PollInterval, cancellationToken);
        }
    }
}
