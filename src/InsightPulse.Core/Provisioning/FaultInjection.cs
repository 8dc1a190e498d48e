using System.Diagnostics;

namespace InsightPulse.Core.Provisioning;

/// <summary>
/// Crash points for testing resumability: when the environment variable <c>IPAI_FAULT_POINT</c> names a point,
/// the process kills itself there (SIGKILL: no cleanup, no finally, no rollback but the server's). Read by the
/// provisioning engine, <c>tenant move</c> and <c>bench rls</c> (<c>bench_rls:copied</c>, its copy in place); unset in
/// production, where <see cref="Hit"/> does nothing.
/// </summary>
public sealed class FaultInjection(string? armedPoint)
{
    public const string Variable = "IPAI_FAULT_POINT";

    /// <summary>Every point, in the order a run meets them: after each step, and inside steps 2 to 5.</summary>
    public static readonly IReadOnlyList<string> Points =
    [
        "after:record",
        "schema:created", "schema:databank", "after:schema",
        "database:template", "database:template_marked", "database:recorded", "database:created", "after:database",
        "modules:uncommitted", "modules:migration", "modules:installed", "after:modules",
        "after:isolation",
        "admin:uncommitted", "after:admin",
        "after:bi_workspace",
        "after:active",
    ];

    /// <summary>The points of <c>tenant move</c>, in the order a move meets them (<see cref="TenantMover"/>).</summary>
    public static readonly IReadOnlyList<string> MovePoints =
    [
        "move:frozen", "move:target_created", "move:copied", "move:verified", "move:switched", "move:retired",
    ];

    public static FaultInjection FromEnvironment() => new(Environment.GetEnvironmentVariable(Variable));

    public void Hit(string point)
    {
        if (armedPoint is null || armedPoint != point) return;
        Console.Error.WriteLine($"fault injection: killing the process at {point}");
        Console.Error.Flush();
        Process.GetCurrentProcess().Kill();
        Thread.Sleep(Timeout.Infinite);
    }
}
