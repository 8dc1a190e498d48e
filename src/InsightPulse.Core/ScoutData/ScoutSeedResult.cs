namespace InsightPulse.Core.ScoutData;

/// <summary>What <c>databank seed scout</c> did: rows written per tenant set, rows of earlier runs replaced, time taken.</summary>
public sealed record ScoutSeedResult(
    string Schema, ScoutSeedOptions Options, IReadOnlyList<string> Tenants, long RowsWritten, long RowsReplaced, TimeSpan Elapsed);
