namespace InsightPulse.Cli.Commands;

/// <summary>What <c>ipai</c> exits with.</summary>
internal static class ExitCode
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}
