namespace InsightPulse.Bench;

/// <summary>
/// What one wrk run reported through the bench script's <c>done()</c>: requests, seconds, bytes read, errors
/// (socket errors and HTTP status ≥ 400) and latency percentiles in milliseconds.
/// </summary>
public sealed record WrkRun(
    string Path,
    long Requests,
    double Seconds,
    long Bytes,
    long ConnectErrors,
    long ReadErrors,
    long WriteErrors,
    long StatusErrors,
    long Timeouts,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MeanMs,
    double MaxMs)
{
    public double RequestsPerSecond => Seconds > 0 ? Requests / Seconds : 0;

    /// <summary>Bytes per response (headers and body): equal on both paths when both answered the same JSON.</summary>
    public double BytesPerResponse => Requests > 0 ? (double)Bytes / Requests : 0;

    public long Errors => ConnectErrors + ReadErrors + WriteErrors + StatusErrors + Timeouts;
}
