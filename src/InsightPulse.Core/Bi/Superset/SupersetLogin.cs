namespace InsightPulse.Core.Bi.Superset;

/// <summary>The account this platform signs in to an external Superset with (database provider). Never logged.</summary>
public sealed record SupersetLogin(string Username, string Password)
{
    public override string ToString() => $"SupersetLogin {{ Username = {Username} }}";
}
