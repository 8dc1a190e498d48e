namespace InsightPulse.Core.Databases;

/// <summary>A fleet server's state: active servers take new tenants; a draining one keeps its tenants until they move, and takes no new one.</summary>
public enum FleetServerState
{
    Active,
    Draining,
}
