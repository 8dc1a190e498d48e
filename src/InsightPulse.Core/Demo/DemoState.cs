namespace InsightPulse.Core.Demo;

/// <summary>Where a tenant stands with demo data (<c>ipai_tenant_demo.state</c>, or no record).</summary>
public enum DemoState
{
    /// <summary>Its modules have no demo data (e.g. the platform tenant): nothing to load.</summary>
    NothingToLoad,

    /// <summary>Never loaded nor removed: <c>up</c> loads it the first time it finds the tenant active.</summary>
    NotLoaded,

    Loaded,

    /// <summary>The operator removed it (<c>demo remove</c>): <c>up</c> never loads it again; <c>demo load</c> does.</summary>
    Removed,
}
