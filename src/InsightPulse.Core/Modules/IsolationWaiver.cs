namespace InsightPulse.Core.Modules;

/// <summary>
/// A deliberate, reviewed exception to one isolation lint for one object of a module or databank (manifest key
/// <c>isolation_waivers</c>): the lint reports the finding as INFO with <see cref="Reason"/> instead of failing.
/// Only the named lint on the named object is waived; anything else about the object is still checked.
/// </summary>
public sealed record IsolationWaiver(string Relation, string Lint, string Reason);
