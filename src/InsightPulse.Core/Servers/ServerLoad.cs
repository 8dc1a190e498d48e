using InsightPulse.Core.Databases;

namespace InsightPulse.Core.Servers;

/// <summary>
/// A fleet server and what it holds: the tenants placed on it (not archived) and the size of their databases
/// (null when the server did not answer). <see cref="Error"/> says why it did not.
/// </summary>
public sealed record ServerLoad(FleetServer Server, int Tenants, long? Bytes, string? Error = null);
