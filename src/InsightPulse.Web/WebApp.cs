namespace InsightPulse.Web;

/// <summary>Names this assembly (the one with the web entry point) for <c>WebApplicationFactory&lt;WebApp&gt;</c> in tests.</summary>
public sealed class WebApp;
