using System.Diagnostics.Metrics;

namespace InsightPulse.Bench;

/// <summary>
/// The web host's own time per request, as ASP.NET Core's hosting layer measures it (<c>http.server.request.duration</c>
/// of the <c>Microsoft.AspNetCore.Hosting</c> meter: from the request's start in the host to its response's end,
/// the whole pipeline), by route. <c>bench http</c> puts it beside wrk's figures: a tail that wrk sees and the host
/// does not lives outside the host's pipeline (the sockets, the scheduler, wrk), one the host sees inside it.
/// </summary>
public sealed class HostLatency : IDisposable
{
    private const string MeterName = "Microsoft.AspNetCore.Hosting";
    private const string InstrumentName = "http.server.request.duration";

    private readonly MeterListener _listener = new();
    private readonly object _gate = new();
    private Dictionary<string, List<double>> _milliseconds = new(StringComparer.Ordinal);

    public HostLatency()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == InstrumentName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            string? route = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "http.route") route = tag.Value as string;
            }
            if (route is null) return;
            lock (_gate)
            {
                if (!_milliseconds.TryGetValue(route, out var values)) _milliseconds[route] = values = new List<double>(65536);
                values.Add(seconds * 1000);
            }
        });
        _listener.Start();
    }

    /// <summary>Forgets every request recorded so far (a run's figures start after it).</summary>
    public void Clear() => Take();

    /// <summary>The requests recorded since the last call or <see cref="Clear"/>, for <paramref name="route"/>: (p50, p99) in ms; forgets all.</summary>
    public (double P50Ms, double P99Ms) TakePercentiles(string route)
    {
        if (!Take().TryGetValue(route, out var values) || values.Count == 0) return (0, 0);
        values.Sort();
        double At(double q) => values[Math.Min(values.Count - 1, (int)Math.Ceiling(q * values.Count) - 1)];
        return (At(0.50), At(0.99));
    }

    private Dictionary<string, List<double>> Take()
    {
        lock (_gate)
        {
            var taken = _milliseconds;
            _milliseconds = new(StringComparer.Ordinal);
            return taken;
        }
    }

    public void Dispose() => _listener.Dispose();
}
