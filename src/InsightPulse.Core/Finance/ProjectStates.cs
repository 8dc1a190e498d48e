namespace InsightPulse.Core.Finance;

/// <summary>A project's states (the CHECK of <c>ppm_project.state</c>).</summary>
public static class ProjectStates
{
    public static readonly IReadOnlyList<string> All = ["draft", "active", "closed"];
}
