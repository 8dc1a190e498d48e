namespace InsightPulse.Core.ScoutData;

/// <summary>
/// What <see cref="ScoutGenerator"/> makes for one tenant: <paramref name="Rows"/> transactions of
/// <paramref name="TenantCode"/>, drawn from random stream <paramref name="Stream"/> of <paramref name="Seed"/>, over
/// <paramref name="Days"/> local (Asia/Manila) days from <paramref name="FirstDay"/>, in stores whose ids start with
/// <paramref name="StoreIdPrefix"/>. The same values always give the same rows. <c>databank seed scout</c> asks for
/// retail_NNN, stream NNN, calendar 2025 and prefix <c>RNNN</c> (<see cref="ScoutGenerator.ForSeed"/>); the demo
/// names its tenants itself (the registered <c>scout</c> too) and marks its stores <c>DEMO-…</c>, so that it can
/// later remove exactly its own rows.
/// </summary>
public sealed record ScoutGeneration(string TenantCode, int Stream, int Rows, long Seed, DateOnly FirstDay, int Days, string StoreIdPrefix);
