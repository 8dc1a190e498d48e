namespace InsightPulse.Core.Databases;

/// <summary>One URL the platform uses: its variable, the URL with its password as <c>***</c>, and what it carries.</summary>
public sealed record PlatformUrlUse(string Variable, string Url, string Serves);
