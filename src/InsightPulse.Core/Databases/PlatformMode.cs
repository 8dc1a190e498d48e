namespace InsightPulse.Core.Databases;

/// <summary>Whether the platform runs on the cluster the project manages itself or on a server named by POSTGRES_URL.</summary>
public enum PlatformMode
{
    Managed,
    External,
}
