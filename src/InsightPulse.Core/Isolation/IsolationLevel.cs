namespace InsightPulse.Core.Isolation;

/// <summary>Severity of a lint finding, as Supabase's splinter grades them.</summary>
public enum IsolationLevel
{
    /// <summary>Tenants can see or change each other's data, or the guarantee rests on luck: fix before serving.</summary>
    Error,

    /// <summary>Not a leak today, but a weakness (slow policies, implicit checks, mutable search paths).</summary>
    Warn,

    /// <summary>Worth knowing (an exempt table, a table nobody can read).</summary>
    Info,
}
